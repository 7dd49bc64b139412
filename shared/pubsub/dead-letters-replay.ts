import type { PubSub } from '@google-cloud/pubsub';
import type { Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';
import type { Logger } from '../logging/logger.js';
import { replayDeadLetters, ReplayError, type ReplayResult } from './dead-letters.js';

export interface DeadLetterReplayDeps {
  db: Db;
  pubsub: PubSub;
  log: Logger;
}

/** gRPC NOT_FOUND: the subscription (pull) or the source topic (publish) does not exist. */
const GRPC_NOT_FOUND = 5;

/**
 * A replay on someone's behalf: the messages go back to their topic, and the sync log records
 * who replayed what (also when the replay stopped on a failed publish, with what it had moved).
 * Failures are AppErrors naming the subscription; Pub/Sub's own text stays in the log.
 */
export async function replayDeadLettersFor(
  deps: DeadLetterReplayDeps,
  subscription: string,
  max: number,
  by: string,
): Promise<ReplayResult> {
  let result: ReplayResult | undefined;
  let failure: unknown;
  try {
    result = await replayDeadLetters(deps.pubsub, subscription, max);
    return result;
  } catch (err) {
    failure = err;
    if (err instanceof ReplayError) result = err.partial;
    throw toAppError(err, subscription, result?.replayed ?? 0);
  } finally {
    await insertSyncLog(deps.db, [
      {
        direction: 'NONE',
        operation: 'REPLAY_DEAD_LETTERS',
        status: failure ? 'FAILED' : 'SUCCESS',
        fields: { deadLetters: { subscription, max, replayed: result?.replayed ?? null, messageIds: result?.messageIds ?? [], by } },
        error_message: failure ? (failure as Error).message.slice(0, 2000) : null,
      },
    ]);
    deps.log.info('dead letters replayed', { subscription, replayed: result?.replayed, by, err: failure });
  }
}

function toAppError(err: unknown, subscription: string, replayed: number): AppError {
  const notFound = ((err instanceof ReplayError ? err.cause : err) as { code?: number }).code === GRPC_NOT_FOUND;
  if (notFound && !(err instanceof ReplayError))
    return new AppError('NOT_FOUND', 'No such subscription', { field: 'subscription', subscription });
  const message = notFound ? 'The source topic of these dead letters does not exist' : 'Pub/Sub did not accept the replay; try again';
  return new AppError('SERVICE_UNAVAILABLE', `${message} (${replayed} replayed before)`, { subscription, replayed }, { cause: err });
}
