import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { inTransaction, type Database, type Db, type DbOrTx, type Tx } from '../db/database.js';
import type { OutboxOperation, OutboxOrigin, OutboxStatus } from '../db/tables/hubspot-sync.js';

/** An outbox row a worker has claimed (status PROCESSING, claimed_by = the worker). */
export interface ClaimedOutboxRow {
  id: string;
  customerId: string;
  operation: OutboxOperation;
  origin: OutboxOrigin;
  changedFields: string[];
  changedAt: Date;
  attempts: number;
}

/** PARKED: the row waits out HubSpot's daily limit; the relay brings it back when the pause ends. */
export type MessageRowState = 'CLAIMED' | 'ALREADY_DONE' | 'IN_PROGRESS_ELSEWHERE' | 'PARKED' | 'MISSING';

export interface ClaimResult {
  /** What became of the row the message named. */
  messageRow: MessageRowState;
  rows: ClaimedOutboxRow[];
}

export interface ClaimOptions {
  outboxId: string;
  customerId: string;
  workerId: string;
  /** The message's customer plus up to this many minus one others. */
  maxCustomers: number;
  /** PROCESSING rows claimed longer ago than this belong to a dead worker. */
  leaseMs: number;
  now: Date;
  /**
   * True for a row this process holds in a batch that is still running. A row claimed under our
   * own worker id that no running batch holds was stranded (its hand-back failed): take it over
   * at once instead of waiting out the lease.
   */
  heldHere?: (id: string) => boolean;
  /**
   * Other customers' rows published with the message's (a group, see publishOutboxGroup): claimed
   * with it whatever became of the message's own row, as no other message names them.
   */
  alongWith?: readonly string[];
}

/** Advisory lock key serialising claim transactions (any constant no other lock uses). */
const CLAIM_LOCK_ID = 4_404_002;

/** Rows scanned for other customers' work; enough to fill a batch even with several rows each. */
const SCAN_FACTOR = 4;

/**
 * One short transaction: take all claimable rows of the message's customer (its row first, so a
 * message whose change was handled elsewhere is recognised), the claimable rows published along
 * with it, and the rows of other customers, oldest first, up to maxCustomers customers, skipping
 * rows other workers hold (SKIP LOCKED). Claimable: PENDING (others' rows only once their retry
 * time came), PARKED once HubSpot's pause is over (next_attempt_at), or PROCESSING with an expired lease.
 */
export async function claimOutboxBatch(db: Db, options: ClaimOptions): Promise<ClaimResult> {
  const leaseCutoff = new Date(options.now.getTime() - options.leaseMs);
  return inTransaction(db, async (tx) => {
    // Claims are serialised (they take milliseconds): concurrent workers woken by one burst
    // would otherwise split its head between them (SKIP LOCKED) into many small batches.
    await sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_ID})`.execute(tx);
    // The message's own row is waited for, not skipped: it may be held for a moment by the
    // publisher marking it published, or by a worker finishing it (then it reads DONE). It is
    // the only row lock this transaction waits for, so the wait can never close a deadlock cycle
    // (nothing holding a row lock waits for the claim lock).
    const messageRow = await tx
      .selectFrom('hubspot_sync_queue')
      .select(CLAIM_COLUMNS)
      .where('id', '=', options.outboxId)
      .where('customer_id', '=', options.customerId)
      .forUpdate()
      .executeTakeFirst();
    // PARKED rows wait out HubSpot's daily limit: trying them earlier only spends calls on a 429.
    const strandedHere = (row: { id: string; claimed_by: string | null }) =>
      options.heldHere !== undefined && row.claimed_by === options.workerId && !options.heldHere(row.id);
    const claimable = (row: {
      id: string;
      status: OutboxStatus;
      claimed_at: Date | null;
      claimed_by: string | null;
      next_attempt_at: Date | null;
    }) =>
      row.status === 'PENDING' ||
      (row.status === 'PARKED' && (row.next_attempt_at ?? options.now) <= options.now) ||
      (row.status === 'PROCESSING' && ((row.claimed_at ?? options.now) < leaseCutoff || strandedHere(row)));

    const state = messageRowState(messageRow, claimable);
    const ownRows = state === 'CLAIMED' ? [messageRow!, ...(await ownOtherRows(tx, options)).filter(claimable)] : [];
    const retryDue = (row: { status: OutboxStatus; next_attempt_at: Date | null }) =>
      row.status !== 'PENDING' || (row.next_attempt_at ?? options.now) <= options.now;
    const along = (await rowsAlong(tx, options)).filter((row) => claimable(row) && retryDue(row));
    if (ownRows.length === 0 && along.length === 0) return { messageRow: state, rows: [] };

    const customers = new Set([...ownRows, ...along].map((row) => row.customer_id));
    const inHand = new Set([...ownRows, ...along].map((row) => row.id));
    const others = customers.size >= options.maxCustomers ? [] : await oldestOtherRows(tx, options, leaseCutoff);
    const taken = others.filter((row) => {
      if (inHand.has(row.id)) return false;
      if (customers.has(row.customer_id)) return true;
      if (customers.size >= options.maxCustomers) return false;
      customers.add(row.customer_id);
      return true;
    });

    const rows = [...ownRows.sort((a, b) => Number(a.id) - Number(b.id)), ...along, ...taken];
    await tx
      .updateTable('hubspot_sync_queue')
      .set({ status: 'PROCESSING', claimed_at: options.now, claimed_by: options.workerId })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return {
      messageRow: state,
      rows: rows.map((row) => ({
        id: row.id,
        customerId: row.customer_id,
        operation: row.operation,
        origin: row.origin,
        changedFields: row.changed_fields,
        changedAt: row.changed_at,
        attempts: row.attempts,
      })),
    };
  });
}

const CLAIM_COLUMNS = [
  'id',
  'customer_id',
  'operation',
  'origin',
  'changed_fields',
  'changed_at',
  'attempts',
  'status',
  'claimed_at',
  'claimed_by',
  'next_attempt_at',
] as const;

function messageRowState<R extends { status: OutboxStatus }>(row: R | undefined, claimable: (row: R) => boolean): MessageRowState {
  if (!row) return 'MISSING';
  if (row.status === 'DONE' || row.status === 'FAILED') return 'ALREADY_DONE';
  if (!claimable(row)) return row.status === 'PARKED' ? 'PARKED' : 'IN_PROGRESS_ELSEWHERE';
  return 'CLAIMED';
}

type QueueCondition = (eb: ExpressionBuilder<Database, 'hubspot_sync_queue'>) => Expression<SqlBool>;

/** Open rows meeting `condition`, locked for this claim; rows another transaction holds are skipped. */
function lockOpenRows(tx: Tx, condition: QueueCondition) {
  return tx
    .selectFrom('hubspot_sync_queue')
    .select(CLAIM_COLUMNS)
    .where(condition)
    .where('status', 'in', ['PENDING', 'PROCESSING', 'PARKED'])
    .orderBy('id')
    .forUpdate()
    .skipLocked()
    .execute();
}

/** The message's customer's other open rows. */
function ownOtherRows(tx: Tx, options: ClaimOptions) {
  return lockOpenRows(tx, (eb) => eb.and([eb('customer_id', '=', options.customerId), eb('id', '!=', options.outboxId)]));
}

/** The open rows published along with the message's. */
async function rowsAlong(tx: Tx, options: ClaimOptions) {
  const ids = (options.alongWith ?? []).filter((id) => id !== options.outboxId);
  if (ids.length === 0) return [];
  return lockOpenRows(tx, (eb) => eb.and([eb('id', 'in', ids), eb('customer_id', '!=', options.customerId)]));
}

/** Other customers' claimable rows, oldest first: enough to fill a batch even with several rows each. */
function oldestOtherRows(tx: Tx, options: ClaimOptions, leaseCutoff: Date) {
  return tx
    .selectFrom('hubspot_sync_queue')
    .select(CLAIM_COLUMNS)
    .where('customer_id', '!=', options.customerId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('status', 'in', ['PENDING', 'PARKED']),
          eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', options.now)]),
        ]),
        eb.and([eb('status', '=', 'PROCESSING'), eb('claimed_at', '<', leaseCutoff)]),
      ]),
    )
    .orderBy('id')
    .limit((options.maxCustomers - 1) * SCAN_FACTOR)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Rows whose change is synced (or failed for good: `error` set, status FAILED). */
export async function completeOutboxRows(db: DbOrTx, ids: readonly string[], error?: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('hubspot_sync_queue')
    .set({
      status: error ? 'FAILED' : 'DONE',
      processed_at: new Date(),
      last_error: error ? error.slice(0, 2000) : null,
      claimed_by: null,
    })
    .where('id', 'in', [...ids])
    .execute();
}

/**
 * Hands back the rows this worker still holds after a failure that may pass (PENDING, retry not
 * before `retryAt`), or parks them until HubSpot's daily limit resets (PARKED). Either way attempts
 * and the error are kept. Rows already completed (a part of the batch that committed) or taken
 * over by another worker after our lease ran out are left alone. Returns the rows handed back.
 */
export async function releaseOutboxRows(
  db: DbOrTx,
  ids: readonly string[],
  workerId: string,
  outcome: {
    status: 'PENDING' | 'PARKED';
    error: string;
    retryAt: Date;
    /** No message will bring these back (their own was acked): mark them for the relay. */
    republish?: boolean;
  },
): Promise<Array<{ id: string; customerId: string }>> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('hubspot_sync_queue')
    .set({
      ...(outcome.republish ? { published_at: null } : {}),
      status: outcome.status,
      attempts: sql`attempts + 1`,
      last_error: outcome.error.slice(0, 2000),
      next_attempt_at: outcome.retryAt,
      claimed_at: null,
      claimed_by: null,
    })
    .where('id', 'in', [...ids])
    .where('status', '=', 'PROCESSING')
    .where('claimed_by', '=', workerId)
    .returning(['id', 'customer_id'])
    .execute();
  return rows.map((r) => ({ id: r.id, customerId: r.customer_id }));
}

/** Thrown when rows we claimed were taken over by another worker (our lease had run out). */
export class ClaimLostError extends Error {
  constructor(lost: number) {
    super(`${lost} claimed outbox row(s) were taken over by another worker after the lease ran out`);
    this.name = 'ClaimLostError';
  }
}

/**
 * Renews the lease on rows this worker holds (claimed_at = now), outside any sync transaction so
 * other workers see it at once. Throws ClaimLostError when any row is no longer ours: another
 * worker may be syncing it, so we must not write.
 */
export async function renewClaims(db: DbOrTx, ids: readonly string[], workerId: string, now: Date): Promise<void> {
  if (ids.length === 0) return;
  const result = await db
    .updateTable('hubspot_sync_queue')
    .set({ claimed_at: now })
    .where('id', 'in', [...ids])
    .where('status', '=', 'PROCESSING')
    .where('claimed_by', '=', workerId)
    .executeTakeFirst();
  const renewed = Number(result.numUpdatedRows);
  if (renewed < ids.length) throw new ClaimLostError(ids.length - renewed);
}
