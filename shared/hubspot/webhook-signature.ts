/**
 * HubSpot request signatures (webhooks, workflow actions, CRM cards): the
 * local sandbox signs with these and the production webhook intake verifies
 * with them, so both ends share one implementation of HubSpot's rules.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVersion = 'v1' | 'v2' | 'v3';

export const SIGNATURE_HEADER = 'x-hubspot-signature';
export const SIGNATURE_VERSION_HEADER = 'x-hubspot-signature-version';
export const SIGNATURE_V3_HEADER = 'x-hubspot-signature-v3';
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
const DEFAULT_MAX_AGE_MS = 5 * 60 * 1000;

export function signV1(clientSecret: string, rawBody: string): string {
  return createHash('sha256')
    .update(clientSecret + rawBody, 'utf8')
    .digest('hex');
}

export function signV2(clientSecret: string, method: string, uri: string, rawBody: string): string {
  return createHash('sha256')
    .update(clientSecret + method + uri + rawBody, 'utf8')
    .digest('hex');
}

export function signV3(clientSecret: string, method: string, uri: string, rawBody: string, timestampMs: number): string {
  const source = method + decodeV3Uri(uri) + rawBody + String(timestampMs);
  return createHmac('sha256', clientSecret).update(source, 'utf8').digest('base64');
}

/** The two headers of a v3-signed request, as HubSpot sends them. */
export function signatureV3Headers(clientSecret: string, method: string, uri: string, rawBody: string, timestampMs: number) {
  return { [SIGNATURE_V3_HEADER]: signV3(clientSecret, method, uri, rawBody, timestampMs), [TIMESTAMP_HEADER]: String(timestampMs) };
}

/** The escapes HubSpot documents as decoded before hashing a v3 URI; every other escape stays as sent. */
const V3_DECODED_ESCAPES: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function decodeV3Uri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (match) => V3_DECODED_ESCAPES[match.toUpperCase()] ?? match);
}

export interface VerifyInput {
  method: string;
  /** The full URL HubSpot called (scheme, host, path, query), as configured publicly. */
  uri: string;
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
  clientSecret: string;
  acceptedVersions: readonly SignatureVersion[];
  nowMs: number;
  /** Oldest accepted v3 timestamp, also the tolerated clock skew into the future. */
  maxAgeMs?: number;
}

export type VerifyFailure =
  'MISSING_SIGNATURE' | 'MALFORMED' | 'VERSION_NOT_ACCEPTED' | 'STALE_TIMESTAMP' | 'FUTURE_TIMESTAMP' | 'MISMATCH';

export type VerifyResult = { ok: true; version: SignatureVersion } | { ok: false; reason: VerifyFailure };

/** What the headers say about a signature, checked before the body is read. */
type SignatureHeaders =
  | { ok: true; version: 'v3'; signature: string; timestamp: number }
  | { ok: true; version: 'v1' | 'v2'; signature: string }
  | { ok: false; reason: VerifyFailure };

export type HeaderCheckInput = Pick<VerifyInput, 'headers' | 'acceptedVersions' | 'nowMs' | 'maxAgeMs'>;

/**
 * Every check that needs no body: present, well-formed, an accepted version, a fresh v3
 * timestamp. An intake runs it before reading a body, so an unsigned one is never read.
 * HubSpot may send a v3 and a v1 signature on the same request: v3 is checked when
 * accepted, otherwise the legacy header with its declared version.
 */
export function checkSignatureHeaders(input: HeaderCheckInput): SignatureHeaders {
  const v3Signature = header(input.headers, SIGNATURE_V3_HEADER);
  const legacySignature = header(input.headers, SIGNATURE_HEADER);
  if (v3Signature !== undefined && (input.acceptedVersions.includes('v3') || legacySignature === undefined)) {
    return checkV3Headers(input, v3Signature);
  }
  if (legacySignature === undefined) return { ok: false, reason: 'MISSING_SIGNATURE' };
  const declared = (header(input.headers, SIGNATURE_VERSION_HEADER) ?? 'v1').toLowerCase();
  if (declared !== 'v1' && declared !== 'v2') return { ok: false, reason: 'MALFORMED' };
  if (!input.acceptedVersions.includes(declared)) return { ok: false, reason: 'VERSION_NOT_ACCEPTED' };
  if (!/^[0-9a-f]{64}$/i.test(legacySignature)) return { ok: false, reason: 'MALFORMED' };
  return { ok: true, version: declared, signature: legacySignature };
}

function checkV3Headers(input: HeaderCheckInput, signature: string): SignatureHeaders {
  if (!input.acceptedVersions.includes('v3')) return { ok: false, reason: 'VERSION_NOT_ACCEPTED' };
  const rawTimestamp = header(input.headers, TIMESTAMP_HEADER);
  if (rawTimestamp === undefined || !/^\d{1,16}$/.test(rawTimestamp)) return { ok: false, reason: 'MALFORMED' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return { ok: false, reason: 'MALFORMED' };

  const timestamp = Number(rawTimestamp);
  const maxAgeMs = input.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  if (input.nowMs - timestamp > maxAgeMs) return { ok: false, reason: 'STALE_TIMESTAMP' };
  if (timestamp - input.nowMs > maxAgeMs) return { ok: false, reason: 'FUTURE_TIMESTAMP' };
  return { ok: true, version: 'v3', signature, timestamp };
}

/** The header checks, then the signature over the body, compared in constant time. */
export function verifyWebhookSignature(input: VerifyInput): VerifyResult {
  const checked = checkSignatureHeaders(input);
  if (!checked.ok) return checked;
  const matches =
    checked.version === 'v3'
      ? constantTimeEqual(
          Buffer.from(checked.signature, 'base64'),
          Buffer.from(signV3(input.clientSecret, input.method, input.uri, input.rawBody, checked.timestamp), 'base64'),
        )
      : constantTimeEqual(
          Buffer.from(checked.signature.toLowerCase(), 'hex'),
          Buffer.from(
            checked.version === 'v1'
              ? signV1(input.clientSecret, input.rawBody)
              : signV2(input.clientSecret, input.method, input.uri, input.rawBody),
            'hex',
          ),
        );
  return matches ? { ok: true, version: checked.version } : { ok: false, reason: 'MISMATCH' };
}

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  // timingSafeEqual throws on length mismatch; a wrong length is simply a mismatch.
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.trim();
  }
  return undefined;
}
