import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import type { DbOrTx } from '../db/database.js';
import { canonicalJson } from '../http/json-text.js';

export interface StoredResponse {
  status: number;
  /** The exact JSON text first sent, replayed byte for byte. */
  body: string;
  etag: string;
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * Takes the (user, key) row inside the create transaction. The first request
 * inserts it (status 0 = in progress) and holds it until commit; a concurrent
 * duplicate's insert waits on that row, then reads the committed response. A
 * rolled-back first attempt leaves no row, so the retry creates normally.
 * Returns the stored response to replay, or undefined when this request creates.
 */
export async function claimIdempotencyKey(
  tx: DbOrTx,
  claim: { userId: string; key: string; hash: string },
): Promise<StoredResponse | undefined> {
  const inserted = await tx
    .insertInto('idempotency_keys')
    .values({ user_id: claim.userId, idempotency_key: claim.key, request_hash: claim.hash, response_status: 0, response_body: {} })
    .onConflict((oc) => oc.columns(['user_id', 'idempotency_key']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  if (inserted) return undefined;
  const existing = await tx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response_status', 'response_body'])
    .where('user_id', '=', claim.userId)
    .where('idempotency_key', '=', claim.key)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (existing.request_hash !== claim.hash) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body');
  }
  const body = existing.response_body as { body?: unknown; etag?: unknown };
  if (typeof body.body !== 'string' || typeof body.etag !== 'string') {
    throw new AppError('INTERNAL', 'Stored idempotent response is incomplete');
  }
  return { status: existing.response_status, body: body.body, etag: body.etag };
}

export async function storeIdempotentResponse(
  tx: DbOrTx,
  claim: { userId: string; key: string },
  customerId: string,
  response: StoredResponse,
): Promise<void> {
  await tx
    .updateTable('idempotency_keys')
    .set({
      customer_id: customerId,
      response_status: response.status,
      response_body: { body: response.body, etag: response.etag },
    })
    .where('user_id', '=', claim.userId)
    .where('idempotency_key', '=', claim.key)
    .execute();
}
