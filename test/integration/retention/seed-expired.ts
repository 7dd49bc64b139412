import { sql } from 'kysely';
import type { Db } from '../../../shared/db/database.js';

const DAY_MS = 86_400_000;

/**
 * `count` rows of one kind, `ageDays` old, in one statement (generate_series): fast enough to
 * seed a million. `start` keeps dedupe keys and idempotency keys unique across calls.
 */
export async function seedRows(
  db: Db,
  kind: 'syncLog' | 'outbox' | 'webhookEvent' | 'idempotencyKey',
  options: { count: number; ageDays: number; customerId: string; status?: string; start?: number },
): Promise<void> {
  const at = new Date(Date.now() - options.ageDays * DAY_MS);
  const start = options.start ?? 0;
  const end = start + options.count - 1;
  switch (kind) {
    case 'syncLog':
      await sql`INSERT INTO hubspot_sync_log (customer_id, direction, operation, status, created_at)
        SELECT ${options.customerId}::uuid, 'WARP_TO_HUBSPOT', 'PUSH', ${options.status ?? 'SUCCESS'}, ${at}::timestamptz
        FROM generate_series(${start}::int, ${end}::int)`.execute(db);
      return;
    case 'outbox':
      await sql`INSERT INTO hubspot_sync_queue (customer_id, operation, origin, status, created_at, changed_at, processed_at)
        SELECT ${options.customerId}::uuid, 'UPDATE', 'WARP', ${options.status ?? 'DONE'},
               ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
        FROM generate_series(${start}::int, ${end}::int)`.execute(db);
      return;
    case 'webhookEvent':
      await sql`INSERT INTO hubspot_webhook_events
          (dedupe_key, event_id, subscription_type, object_id, occurred_at, payload, received_at, status)
        SELECT 'seed-' || n, n, 'company.propertyChange', 900,
               ${at}::timestamptz, '{}'::jsonb, ${at}::timestamptz, ${options.status ?? 'PROCESSED'}
        FROM generate_series(${start}::int, ${end}::int) n`.execute(db);
      return;
    case 'idempotencyKey':
      await sql`INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
        SELECT '11111111-1111-4111-8111-111111111111'::uuid, 'seed-' || n, 'h', 201, '{}'::jsonb, ${at}::timestamptz
        FROM generate_series(${start}::int, ${end}::int) n`.execute(db);
      return;
  }
}
