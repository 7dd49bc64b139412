import type { IncomingHttpHeaders } from 'node:http';
import type { Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import {
  SIGNATURE_HEADER,
  SIGNATURE_V3_HEADER,
  SIGNATURE_VERSION_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type SignatureVersion,
  type VerifyFailure,
} from '../hubspot/webhook-signature.js';
import type { Logger } from '../logging/logger.js';
import type { EventBatchPublisher } from '../pubsub/publisher.js';
import { webhookDeliverySchema, type HubspotWebhookEvent } from './event-schema.js';
import { storeDelivery } from './event-store.js';
import { publishEvents } from './publish-events.js';
import type { Clock } from '../runtime/clock.js';

export interface WebhookIntakeDeps {
  db: Db;
  publisher: EventBatchPublisher;
  logger: Logger;
  clientSecret: string;
  /** The exact target URL configured in HubSpot (no query string). */
  publicUrl: string;
  acceptedVersions: readonly SignatureVersion[];
  topic: string;
  maxBodyBytes: number;
  now: Clock;
}

/** What the intake needs of an HTTP request; `rawBody` are the bytes as received. */
export interface WebhookDelivery {
  method: string;
  /** The request target (path and query) as received; only its query string is used. */
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer | undefined;
}

export interface DeliverySummary {
  received: number;
  stored: number;
  ignored: number;
  duplicates: number;
  published: number;
}

/** Accepted with what happened, or refused with the error to answer (its code decides the status). */
export type IntakeResult = { ok: true; summary: DeliverySummary } | { ok: false; error: AppError };

/**
 * Verify, validate, store once, publish, answer. Nothing is parsed, stored or
 * published before the signature holds; any 5xx makes HubSpot deliver again,
 * and the retry republishes whatever this attempt stored but did not publish.
 */
export async function receiveWebhookDelivery(
  deps: WebhookIntakeDeps,
  delivery: WebhookDelivery,
  log: Logger = deps.logger,
): Promise<IntakeResult> {
  const rawBody = delivery.rawBody ?? Buffer.alloc(0);
  const bodyText = rawBody.toString('utf8');
  const verification = verifyWebhookSignature({
    method: delivery.method,
    uri: deps.publicUrl + queryString(delivery.url),
    rawBody: bodyText,
    headers: delivery.headers,
    clientSecret: deps.clientSecret,
    acceptedVersions: deps.acceptedVersions,
    nowMs: deps.now().getTime(),
  });
  if (!verification.ok) return refuse(rejectedSignature(log, delivery.headers, verification.reason, rawBody.length));

  if (delivery.method !== 'POST') {
    return refuse(new AppError('METHOD_NOT_ALLOWED', 'HubSpot webhooks are POST requests'));
  }
  if (rawBody.length > deps.maxBodyBytes) {
    log.warn('HubSpot webhook rejected: body too large', { bodyBytes: rawBody.length, limit: deps.maxBodyBytes });
    return refuse(new AppError('PAYLOAD_TOO_LARGE', `The body exceeds ${deps.maxBodyBytes} bytes`));
  }
  const events = parseDelivery(bodyText);
  if (!events.ok) {
    log.warn('HubSpot webhook rejected: body not a valid event batch', { code: events.error.code, details: events.error.details });
    return { ok: false, error: events.error };
  }

  const stored = await storeDelivery(deps.db, events.value);
  const outcome = await publishEvents(deps.db, deps.publisher, deps.topic, stored.toPublish);
  const summary: DeliverySummary = {
    received: events.value.length,
    stored: stored.inserted,
    ignored: stored.ignored,
    duplicates: stored.duplicates,
    published: outcome.published,
  };
  if (outcome.failed > 0) {
    log.error('HubSpot webhook events stored but not all published; asking HubSpot to retry', {
      ...summary,
      unpublished: outcome.failed,
      err: outcome.error,
    });
    return refuse(new AppError('SERVICE_UNAVAILABLE', 'Events could not be forwarded yet; retry later'));
  }
  log.info('HubSpot webhook delivery accepted', { ...summary, signatureVersion: verification.version });
  return { ok: true, summary };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** From the verified bytes themselves, never the framework's re-parse. */
function parseDelivery(bodyText: string): Parsed<HubspotWebhookEvent[]> {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return { ok: false, error: new AppError('INVALID_JSON', 'The body is not valid JSON') };
  }
  const result = webhookDeliverySchema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
  return { ok: false, error: new AppError('VALIDATION_FAILED', 'The body is not a batch of HubSpot webhook events', { issues }) };
}

/** `?a=b` of a request target as received (still percent-encoded), or ''. */
function queryString(url: string): string {
  const start = url.indexOf('?');
  return start === -1 ? '' : url.slice(start);
}

/** The 401 for a delivery HubSpot did not sign, logged with why (never the headers' values). */
export function rejectedSignature(
  log: Logger,
  headers: WebhookDelivery['headers'],
  reason: VerifyFailure,
  bodyBytes: number | null,
): AppError {
  log.warn('HubSpot webhook rejected: signature not valid', { reason, signatureHeaders: presentSignatureHeaders(headers), bodyBytes });
  return new AppError('UNAUTHORIZED', 'The request is not signed by HubSpot');
}

/** Which signature headers came, never their values. */
function presentSignatureHeaders(headers: IncomingHttpHeaders): string[] {
  return [SIGNATURE_HEADER, SIGNATURE_V3_HEADER, SIGNATURE_VERSION_HEADER, TIMESTAMP_HEADER].filter((name) => headers[name] !== undefined);
}

function refuse(error: AppError): IntakeResult {
  return { ok: false, error };
}
