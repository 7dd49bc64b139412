/**
 * One field-sync "function instance": the deployed dependency builder (buildFieldSyncDeps) fed
 * from the outbox subscription like Eventarc feeds it, with a kill switch. Killing freezes the
 * instance like a crashed process: its HubSpot calls never return, its database sessions are
 * terminated (open transactions roll back, claims already committed stay PROCESSING) and its
 * unacked messages go back to Pub/Sub.
 */
import type { Message, PubSub } from '@google-cloud/pubsub';
import { toCloudEvent } from '../../dev/local/pubsub-pull-bridge.js';
import { buildFieldSyncDeps } from '../../functions/field-sync/deps.js';
import { loadFieldSyncConfig } from '../../shared/config/field-sync-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import type { Env } from '../../shared/config/parse-env.js';
import type { Db } from '../../shared/db/database.js';
import type { FieldSyncDeps } from '../../shared/outbound-sync/handle-outbox-message.js';
import { createFieldSyncHandler } from '../../shared/outbound-sync/field-sync-handlers.js';
import { sql } from 'kysely';

export interface FieldSyncInstance {
  workerId: string;
  /** Crash it; `adminDb` is used to terminate its sessions. */
  kill(adminDb: Db): Promise<void>;
  close(): Promise<void>;
}

const never = new Promise<never>(() => undefined);

/** Every method of `target` returns a promise that never settles once `frozen()` says so. */
function freezable<T extends object>(target: T, frozen: () => boolean): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (frozen()) return never;
        const result = await (value as (...a: unknown[]) => unknown).apply(obj, args);
        return frozen() ? never : result;
      };
    },
  });
}

export async function startFieldSyncInstance(options: {
  env: Env;
  pubsub: PubSub;
  subscription: string;
  workerId: string;
  maxMessages?: number;
}): Promise<FieldSyncInstance> {
  const appName = `chaos-${options.workerId}`;
  const url = new URL(options.env.DATABASE_URL!);
  // A connection-string application_name wins over the pool's: it names this instance's sessions.
  url.searchParams.set('application_name', appName);
  const env = { ...options.env, DATABASE_URL: url.toString(), WORKER_ID: options.workerId };
  const built = buildFieldSyncDeps(await loadFieldSyncConfig(env, secretManagerReader()));
  let killed = false;
  const deps: FieldSyncDeps = { ...built, companies: freezable(built.companies, () => killed) };
  const handler = createFieldSyncHandler(async () => deps);
  const subscription = options.pubsub.subscription(options.subscription, {
    flowControl: { maxMessages: options.maxMessages ?? 10, allowExcessMessages: false },
  });
  const inFlight = new Set<Promise<void>>();
  subscription.on('message', (message: Message) => {
    const delivery = (async () => {
      try {
        await handler(toCloudEvent(message, subscription));
        if (!killed) message.ack();
      } catch {
        if (!killed) message.nack();
      }
    })();
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  });
  subscription.on('error', () => undefined);
  return {
    workerId: options.workerId,
    async kill(adminDb) {
      killed = true;
      subscription.removeAllListeners('message');
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${appName}`.execute(adminDb);
      void built.db.destroy().catch(() => undefined);
      await subscription.close().catch(() => undefined);
    },
    async close() {
      if (killed) return;
      subscription.removeAllListeners('message');
      await Promise.allSettled([...inFlight]);
      await subscription.close().catch(() => undefined);
      await built.db.destroy();
    },
  };
}
