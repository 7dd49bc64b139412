import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignatureVersion } from '../../../shared/hubspot/webhook-signature.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import {
  companyEvent,
  countEvents,
  createPubSubFixture,
  hubspotHeaders,
  PUBLIC_URL,
  send,
  startIntake,
  type IntakeServer,
  type PubSubFixture,
  type SignedRequest,
} from './webhook-harness.js';

const FIVE_MINUTES = 5 * 60 * 1000;

let database: TestDatabase;
let pubsub: PubSubFixture;
const intakes = new Map<string, IntakeServer>();

/** One intake per accepted-versions setting, all on this suite's database and topic. */
async function intakeAccepting(...versions: SignatureVersion[]): Promise<IntakeServer> {
  const key = versions.join(',');
  let intake = intakes.get(key);
  if (!intake) {
    intake = await startIntake({ db: database.db, publisher: pubsub.publisher, topic: pubsub.topic, acceptedVersions: versions });
    intakes.set(key, intake);
  }
  return intake;
}

beforeAll(async () => {
  database = await createTestDatabase();
  pubsub = await createPubSubFixture();
});

afterAll(async () => {
  await Promise.all([...intakes.values()].map((i) => i.close()));
  await pubsub?.close();
  await database?.destroy();
});

/** Sends the request and asserts the full rejection: 401 envelope, no row, no publish, a WARNING naming the reason. */
async function expectRejected(intake: IntakeServer, request: SignedRequest, reason: string) {
  const rowsBefore = await countEvents(database.db);
  const callsBefore = pubsub.publisher.calls;
  const linesBefore = intake.logLines.length;
  const res = await send(intake, request);
  expect(res).toEqual({
    status: 401,
    body: { success: false, error: { code: 'UNAUTHORIZED', message: 'The request is not signed by HubSpot' } },
  });
  expect(await countEvents(database.db)).toBe(rowsBefore);
  expect(pubsub.publisher.calls).toBe(callsBefore);
  const warning = intake.logLines.slice(linesBefore).find((l) => l.severity === 'WARNING');
  expect(warning?.reason).toBe(reason);
}

async function expectAccepted(intake: IntakeServer, request: SignedRequest) {
  const res = await send(intake, request);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ success: true, data: { stored: 1, published: 1 } });
}

const freshBody = () => JSON.stringify([companyEvent()]);

describe('v3 signatures (the default: v3 only)', () => {
  it('the untampered request is accepted (control)', async () => {
    const body = freshBody();
    await expectAccepted(await intakeAccepting('v3'), { body, headers: hubspotHeaders(body) });
  });

  it('a query string is part of the signed URI', async () => {
    const body = freshBody();
    const headers = hubspotHeaders(body, { uri: `${PUBLIC_URL}?portal=9000001&tag=a%3Ab` });
    await expectAccepted(await intakeAccepting('v3'), { target: '/?portal=9000001&tag=a%3Ab', body, headers });
  });

  const tampered: Array<[string, () => SignedRequest]> = [
    [
      'method (signed as PUT, sent as POST)',
      () => {
        const body = freshBody();
        return { body, headers: hubspotHeaders(body, { method: 'PUT' }) };
      },
    ],
    [
      'method (signed as POST, sent as PUT)',
      () => {
        const body = freshBody();
        return { method: 'PUT', body, headers: hubspotHeaders(body) };
      },
    ],
    [
      'URI path (signed for another path)',
      () => {
        const body = freshBody();
        return { body, headers: hubspotHeaders(body, { uri: `${PUBLIC_URL}/other` }) };
      },
    ],
    [
      'URI host (signed for another host)',
      () => {
        const body = freshBody();
        return { body, headers: hubspotHeaders(body, { uri: PUBLIC_URL.replace('hooks.warp.example', 'evil.example') }) };
      },
    ],
    [
      'query (added after signing)',
      () => {
        const body = freshBody();
        return { target: '/?extra=1', body, headers: hubspotHeaders(body) };
      },
    ],
    [
      'query (value changed after signing)',
      () => {
        const body = freshBody();
        return { target: '/?portal=2', body, headers: hubspotHeaders(body, { uri: `${PUBLIC_URL}?portal=1` }) };
      },
    ],
    [
      'body (changed after signing)',
      () => {
        const body = freshBody();
        return { body: body.replace('25000', '99999'), headers: hubspotHeaders(body) };
      },
    ],
    [
      'body (whitespace added: the raw bytes are signed, not the parsed JSON)',
      () => {
        const body = freshBody();
        return { body: ` ${body}`, headers: hubspotHeaders(body) };
      },
    ],
    [
      'timestamp header (changed after signing)',
      () => {
        const body = freshBody();
        const timestampMs = Date.now();
        return { body, headers: { ...hubspotHeaders(body, { timestampMs }), 'x-hubspot-request-timestamp': String(timestampMs + 1) } };
      },
    ],
    [
      'secret (signed with the wrong one)',
      () => {
        const body = freshBody();
        return { body, headers: hubspotHeaders(body, { secret: 'not-the-client-secret' }) };
      },
    ],
  ];

  it.each(tampered)('tampered %s -> 401 MISMATCH', async (_name, build) => {
    await expectRejected(await intakeAccepting('v3'), build(), 'MISMATCH');
  });

  it('a replay outside the 5-minute window -> 401 STALE_TIMESTAMP', async () => {
    const body = freshBody();
    const intake = await intakeAccepting('v3');
    const timestampMs = intake.clock.nowMs - FIVE_MINUTES - 1000;
    await expectRejected(intake, { body, headers: hubspotHeaders(body, { timestampMs }) }, 'STALE_TIMESTAMP');
  });

  it('a captured request replayed after the window closes -> 401, even though it was accepted before', async () => {
    const intake = await intakeAccepting('v3');
    const body = freshBody();
    const request = { body, headers: hubspotHeaders(body, { timestampMs: intake.clock.nowMs }) };
    await expectAccepted(intake, request);
    const realNow = intake.clock.nowMs;
    intake.clock.nowMs = realNow + FIVE_MINUTES + 1;
    try {
      await expectRejected(intake, request, 'STALE_TIMESTAMP');
    } finally {
      intake.clock.nowMs = realNow;
    }
  });

  it('a timestamp more than 5 minutes in the future -> 401 FUTURE_TIMESTAMP', async () => {
    const body = freshBody();
    const intake = await intakeAccepting('v3');
    const timestampMs = intake.clock.nowMs + FIVE_MINUTES + 1000;
    await expectRejected(intake, { body, headers: hubspotHeaders(body, { timestampMs }) }, 'FUTURE_TIMESTAMP');
  });

  it.each<[string, (h: Record<string, string>) => Record<string, string>, string]>([
    ['no signature headers at all', ({ 'content-type': ct }) => ({ 'content-type': ct! }), 'MISSING_SIGNATURE'],
    ['the v3 signature header missing', ({ 'x-hubspot-signature-v3': _s, ...rest }) => rest, 'MISSING_SIGNATURE'],
    ['the timestamp header missing', ({ 'x-hubspot-request-timestamp': _t, ...rest }) => rest, 'MALFORMED'],
    ['a non-numeric timestamp', (h) => ({ ...h, 'x-hubspot-request-timestamp': '2025-01-01T00:00:00Z' }), 'MALFORMED'],
    ['a signature that is not base64', (h) => ({ ...h, 'x-hubspot-signature-v3': 'sha256=<script>' }), 'MALFORMED'],
    ['an empty signature', (h) => ({ ...h, 'x-hubspot-signature-v3': '' }), 'MALFORMED'],
  ])('%s -> 401 %s', async (_name, strip, reason) => {
    const body = freshBody();
    await expectRejected(await intakeAccepting('v3'), { body, headers: strip(hubspotHeaders(body)) }, reason);
  });
});

describe('forged proxy headers do not change the verified URI', () => {
  const forged = {
    host: 'evil.example',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    forwarded: 'host=evil.example;proto=http',
  };

  it('a signature over the attacker-chosen URL is rejected even when the proxy headers claim that URL', async () => {
    const body = freshBody();
    const headers = { ...hubspotHeaders(body, { uri: 'http://evil.example/hubspot/webhook' }), ...forged };
    await expectRejected(await intakeAccepting('v3'), { body, headers }, 'MISMATCH');
  });

  it('a genuine HubSpot signature still verifies whatever the proxy headers say', async () => {
    const body = freshBody();
    await expectAccepted(await intakeAccepting('v3'), { body, headers: { ...hubspotHeaders(body), ...forged } });
  });
});

describe('accepted signature versions', () => {
  it('v1 or v2 signatures are refused while only v3 is accepted', async () => {
    const intake = await intakeAccepting('v3');
    for (const version of ['v1', 'v2'] as const) {
      const body = freshBody();
      await expectRejected(intake, { body, headers: hubspotHeaders(body, { version }) }, 'VERSION_NOT_ACCEPTED');
    }
  });

  it('v3 is refused while only v1 is accepted, and v1 is accepted then', async () => {
    const intake = await intakeAccepting('v1');
    const body = freshBody();
    await expectRejected(intake, { body, headers: hubspotHeaders(body) }, 'VERSION_NOT_ACCEPTED');
    await expectAccepted(intake, { body, headers: hubspotHeaders(body, { version: 'v1' }) });
  });

  it('each version disabled in turn is refused, the others still verify', async () => {
    const all: SignatureVersion[] = ['v1', 'v2', 'v3'];
    for (const disabled of all) {
      const enabled = all.filter((v) => v !== disabled);
      const intake = await intakeAccepting(...enabled);
      const refused = freshBody();
      await expectRejected(intake, { body: refused, headers: hubspotHeaders(refused, { version: disabled }) }, 'VERSION_NOT_ACCEPTED');
      for (const version of enabled) {
        const body = freshBody();
        await expectAccepted(intake, { body, headers: hubspotHeaders(body, { version }) });
      }
    }
  });

  it('v1 covers only the body (HubSpot rule): a tampered body is still rejected', async () => {
    const body = freshBody();
    const headers = hubspotHeaders(body, { version: 'v1' });
    await expectRejected(await intakeAccepting('v1'), { body: body.replace('25000', '1'), headers }, 'MISMATCH');
  });

  it('v2 covers method, public URI and body', async () => {
    const intake = await intakeAccepting('v2');
    const body = freshBody();
    await expectRejected(intake, { target: '/?x=1', body, headers: hubspotHeaders(body, { version: 'v2' }) }, 'MISMATCH');
    await expectRejected(intake, { body, headers: hubspotHeaders(body, { version: 'v2', method: 'PUT' }) }, 'MISMATCH');
    await expectAccepted(intake, { target: '/?x=1', body, headers: hubspotHeaders(body, { version: 'v2', uri: `${PUBLIC_URL}?x=1` }) });
  });

  it('a declared legacy version that does not exist is malformed', async () => {
    const body = freshBody();
    const headers = { ...hubspotHeaders(body, { version: 'v1' }), 'x-hubspot-signature-version': 'v9' };
    await expectRejected(await intakeAccepting('v1'), { body, headers }, 'MALFORMED');
  });
});

describe('what a rejected request cannot reach', () => {
  it('an unsigned body that is not even valid for the schema gets 401, not a validation report', async () => {
    const res = await send(await intakeAccepting('v3'), { body: '{"probe":true}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toContain('probe');
  });

  it('unsigned malformed JSON gets 401 before any parsing error is reported', async () => {
    const res = await send(await intakeAccepting('v3'), { body: '[{"eventId":', headers: { 'content-type': 'application/json' } });
    expect(res).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
  });

  it('an oversized body is 413 before it is read (so before any signature check) and nothing stored', async () => {
    const body = JSON.stringify([companyEvent({ propertyValue: 'x'.repeat(2 * 1024 * 1024) })]);
    const rowsBefore = await countEvents(database.db);
    const res = await send(await intakeAccepting('v3'), { body, headers: { 'content-type': 'application/json' } });
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(await countEvents(database.db)).toBe(rowsBefore);
  });
});
