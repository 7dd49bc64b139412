import { sql } from 'kysely';
import { inTransaction, type Db, type Tx } from '../db/database.js';
import type { OutboxOrigin } from '../db/tables/hubspot-sync.js';
import { isLeftAlone } from '../sync-store/sync-customer-repository.js';
import { enqueueResyncs } from '../outbox/outbox-writes.js';
import type { ResyncCandidate } from './resync-candidates.js';

/** Serialises enqueue transactions, so two of them never both see "no open row" for one customer. */
const ENQUEUE_LOCK_ID = 4_404_011;

export interface ResyncRowSpec {
  origin: Extract<OutboxOrigin, 'RECONCILIATION' | 'OPERATOR'>;
  /** Names the run, so its rows can be followed: `WHERE changed_by = 'reconciliation-run:<id>'`. */
  changedBy: string;
  now: Date;
}

export interface EnqueuedChunk {
  candidates: ResyncCandidate[];
  /** Outbox ids of the RESYNC rows inserted, to publish after commit. */
  outboxIds: string[];
}

/**
 * One transaction: load a chunk of candidates, insert a RESYNC row (whole customer: no changed
 * fields) for each that has no open outbox row, a link the sync does not leave alone and no
 * comparison that found it in sync, and let `save` record the run's progress in the same
 * transaction. A run that dies after the commit resumes past this chunk; one that dies before it
 * redoes the chunk and finds the same state.
 */
export async function enqueueResyncChunk(
  db: Db,
  load: (tx: Tx) => Promise<ResyncCandidate[]>,
  spec: ResyncRowSpec,
  save: (tx: Tx, chunk: EnqueuedChunk) => Promise<void>,
): Promise<EnqueuedChunk> {
  return inTransaction(db, async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${ENQUEUE_LOCK_ID})`.execute(tx);
    const candidates = await load(tx);
    const due = candidates.filter((c) => !c.hasOpenWork && !isLeftAlone(c.linkStatus) && c.inSync !== true);
    const outboxIds = await enqueueResyncs(
      tx,
      due.map((c) => c.id),
      { fields: [], origin: spec.origin, by: spec.changedBy, now: spec.now },
    );
    const chunk = { candidates, outboxIds };
    await save(tx, chunk);
    return chunk;
  });
}
