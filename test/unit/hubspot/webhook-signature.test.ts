import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeV3Uri, signV1, signV2, signV3, verifyWebhookSignature } from '../../../shared/hubspot/webhook-signature.js';
import type { VerifyInput } from '../../../shared/hubspot/webhook-signature.js';

// Independent computations of HubSpot's documented algorithms, written out here on purpose.
const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const BODY = '[{"eventId":1,"subscriptionType":"company.propertyChange","propertyName":"name","propertyValue":"Ünïcode & Co"}]';
const NOW = 1_750_000_000_000;
const expectedV1 = (body: string) =>
  createHash('sha256')
    .update(SECRET + body)
    .digest('hex');
const expectedV2 = (method: string, uri: string, body: string) =>
  createHash('sha256')
    .update(SECRET + method + uri + body)
    .digest('hex');
const expectedV3 = (method: string, decodedUri: string, body: string, ts: number) =>
  createHmac('sha256', SECRET).update(`${method}${decodedUri}${body}${ts}`, 'utf8').digest('base64');

const URI = 'https://hooks.example.com/hubspot/webhooks?portal=1';

function v3Input(overrides: Partial<VerifyInput> = {}, timestamp = NOW): VerifyInput {
  return {
    method: 'POST',
    uri: URI,
    rawBody: BODY,
    clientSecret: SECRET,
    acceptedVersions: ['v3'],
    nowMs: NOW,
    headers: { 'X-HubSpot-Signature-v3': expectedV3('POST', URI, BODY, timestamp), 'X-HubSpot-Request-Timestamp': String(timestamp) },
    ...overrides,
  };
}

describe('signing', () => {
  it('v1 is hex sha256 of secret + body', () => {
    expect(signV1(SECRET, BODY)).toBe(expectedV1(BODY));
  });

  it('v2 is hex sha256 of secret + method + uri + body', () => {
    expect(signV2(SECRET, 'POST', URI, BODY)).toBe(expectedV2('POST', URI, BODY));
  });

  it('v3 is base64 hmac-sha256 of method + uri + body + timestamp', () => {
    expect(signV3(SECRET, 'POST', URI, BODY, NOW)).toBe(expectedV3('POST', URI, BODY, NOW));
  });

  it('v3 hashes the URI with the documented escapes decoded', () => {
    const sent = 'https://hooks.example.com/a%3Ab/c%2Fd?q=%40x%21%24%27%28%29%2A%2C%3B%3F';
    const decoded = "https://hooks.example.com/a:b/c/d?q=@x!$'()*,;?";
    expect(signV3(SECRET, 'POST', sent, BODY, NOW)).toBe(expectedV3('POST', decoded, BODY, NOW));
    expect(signV3(SECRET, 'POST', sent, BODY, NOW)).not.toBe(expectedV3('POST', sent, BODY, NOW));
  });
});

describe('decodeV3Uri', () => {
  it('decodes each listed escape, in either case', () => {
    expect(decodeV3Uri('%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B')).toBe(":/?@!$'()*,;");
    expect(decodeV3Uri('%3a%2f%3b')).toBe(':/;');
  });

  it('leaves other escapes alone', () => {
    expect(decodeV3Uri('/a%20b%25c%26d%3De%2Bf')).toBe('/a%20b%25c%26d%3De%2Bf');
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a valid v3 signature, headers in any case', () => {
    expect(verifyWebhookSignature(v3Input())).toEqual({ ok: true, version: 'v3' });
    const lower = v3Input({
      headers: { 'x-hubspot-signature-v3': expectedV3('POST', URI, BODY, NOW), 'x-hubspot-request-timestamp': [String(NOW)] },
    });
    expect(verifyWebhookSignature(lower)).toEqual({ ok: true, version: 'v3' });
  });

  it('accepts v3 when the called URI carries decoded-before-hashing escapes', () => {
    const uri = 'https://hooks.example.com/hook%3Fx?email=a%40b.c';
    const headers = {
      'x-hubspot-signature-v3': expectedV3('POST', 'https://hooks.example.com/hook?x?email=a@b.c', BODY, NOW),
      'x-hubspot-request-timestamp': String(NOW),
    };
    expect(verifyWebhookSignature(v3Input({ uri, headers }))).toEqual({ ok: true, version: 'v3' });
  });

  it('accepts v1 and v2 when allowed', () => {
    const v1 = verifyWebhookSignature(
      v3Input({ acceptedVersions: ['v1'], headers: { 'X-HubSpot-Signature': expectedV1(BODY), 'X-HubSpot-Signature-Version': 'v1' } }),
    );
    expect(v1).toEqual({ ok: true, version: 'v1' });
    const v2 = verifyWebhookSignature(
      v3Input({
        acceptedVersions: ['v2'],
        headers: { 'X-HubSpot-Signature': expectedV2('POST', URI, BODY), 'X-HubSpot-Signature-Version': 'v2' },
      }),
    );
    expect(v2).toEqual({ ok: true, version: 'v2' });
  });

  it('falls back to v1 when v3 is sent but only v1 is accepted', () => {
    const headers = { ...v3Input().headers, 'X-HubSpot-Signature': expectedV1(BODY), 'X-HubSpot-Signature-Version': 'v1' };
    expect(verifyWebhookSignature(v3Input({ acceptedVersions: ['v1'], headers }))).toEqual({ ok: true, version: 'v1' });
  });

  it('MISSING_SIGNATURE without any signature header', () => {
    expect(verifyWebhookSignature(v3Input({ headers: { 'content-type': 'application/json' } }))).toEqual({
      ok: false,
      reason: 'MISSING_SIGNATURE',
    });
  });

  it('MALFORMED for bad timestamps, non-base64 v3, non-hex v1 and unknown versions', () => {
    const reason = (input: VerifyInput) => verifyWebhookSignature(input);
    expect(reason(v3Input({ headers: { 'x-hubspot-signature-v3': expectedV3('POST', URI, BODY, NOW) } }))).toEqual({
      ok: false,
      reason: 'MALFORMED',
    });
    expect(
      reason(
        v3Input({ headers: { 'x-hubspot-signature-v3': expectedV3('POST', URI, BODY, NOW), 'x-hubspot-request-timestamp': 'yesterday' } }),
      ),
    ).toEqual({ ok: false, reason: 'MALFORMED' });
    expect(reason(v3Input({ headers: { 'x-hubspot-signature-v3': 'not base64!', 'x-hubspot-request-timestamp': String(NOW) } }))).toEqual({
      ok: false,
      reason: 'MALFORMED',
    });
    expect(
      reason(v3Input({ acceptedVersions: ['v1'], headers: { 'x-hubspot-signature': 'zz', 'x-hubspot-signature-version': 'v1' } })),
    ).toEqual({ ok: false, reason: 'MALFORMED' });
    expect(
      reason(
        v3Input({ acceptedVersions: ['v1'], headers: { 'x-hubspot-signature': expectedV1(BODY), 'x-hubspot-signature-version': 'v9' } }),
      ),
    ).toEqual({ ok: false, reason: 'MALFORMED' });
  });

  it('VERSION_NOT_ACCEPTED when the sent version is not allowed', () => {
    expect(verifyWebhookSignature(v3Input({ acceptedVersions: ['v1'] }))).toEqual({ ok: false, reason: 'VERSION_NOT_ACCEPTED' });
    const v1Only = v3Input({ headers: { 'x-hubspot-signature': expectedV1(BODY), 'x-hubspot-signature-version': 'v1' } });
    expect(verifyWebhookSignature(v1Only)).toEqual({ ok: false, reason: 'VERSION_NOT_ACCEPTED' });
  });

  it('STALE_TIMESTAMP past 5 minutes, and a custom maxAgeMs', () => {
    const old = NOW - 300_001;
    expect(verifyWebhookSignature(v3Input({}, old))).toEqual({ ok: false, reason: 'STALE_TIMESTAMP' });
    expect(verifyWebhookSignature(v3Input({}, NOW - 300_000))).toEqual({ ok: true, version: 'v3' });
    expect(verifyWebhookSignature(v3Input({ maxAgeMs: 1000 }, NOW - 1001))).toEqual({ ok: false, reason: 'STALE_TIMESTAMP' });
  });

  it('FUTURE_TIMESTAMP beyond the skew tolerance', () => {
    expect(verifyWebhookSignature(v3Input({}, NOW + 300_001))).toEqual({ ok: false, reason: 'FUTURE_TIMESTAMP' });
    expect(verifyWebhookSignature(v3Input({}, NOW + 1000))).toEqual({ ok: true, version: 'v3' });
  });

  it('MISMATCH for a changed body, method, URI, secret or timestamp', () => {
    expect(verifyWebhookSignature(v3Input({ rawBody: `${BODY} ` }))).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(verifyWebhookSignature(v3Input({ method: 'PUT' }))).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(verifyWebhookSignature(v3Input({ uri: `${URI}&x=1` }))).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(verifyWebhookSignature(v3Input({ clientSecret: 'other' }))).toEqual({ ok: false, reason: 'MISMATCH' });
    const shifted = v3Input();
    shifted.headers['X-HubSpot-Request-Timestamp'] = String(NOW - 1);
    expect(verifyWebhookSignature(shifted)).toEqual({ ok: false, reason: 'MISMATCH' });
    const v1 = v3Input({
      acceptedVersions: ['v1'],
      headers: { 'x-hubspot-signature': expectedV1('other'), 'x-hubspot-signature-version': 'v1' },
    });
    expect(verifyWebhookSignature(v1)).toEqual({ ok: false, reason: 'MISMATCH' });
    const shortV3 = v3Input({ headers: { 'x-hubspot-signature-v3': 'abcd', 'x-hubspot-request-timestamp': String(NOW) } });
    expect(verifyWebhookSignature(shortV3)).toEqual({ ok: false, reason: 'MISMATCH' });
  });
});
