import type { Generated } from 'kysely';
import type { JsonObject } from './customers.js';

export interface IdempotencyKeysTable {
  user_id: string;
  idempotency_key: string;
  request_hash: string;
  customer_id: string | null;
  response_status: number;
  response_body: JsonObject;
  created_at: Generated<Date>;
}
