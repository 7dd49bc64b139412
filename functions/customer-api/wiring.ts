import { PubSub } from '@google-cloud/pubsub';
import { createAccessTokenVerifier } from '../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../shared/auth/authenticate-request.js';
import { createGatekeeper } from '../../shared/auth/gatekeeper.js';
import type { CustomerApiConfig } from '../../shared/config/customer-api-config.js';
import { logConnectionErrors } from '../../shared/db/log-connection-errors.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { createHubspotClient } from '../../shared/hubspot/client/index.js';
import type { Logger } from '../../shared/logging/logger.js';
import { createOnOutboxCommitted } from '../../shared/outbox/publish-outbox-row.js';
import type { PubSubPublisher } from '../../shared/pubsub/publisher.js';
import { cloudSchedulerJobReader } from '../../shared/sync-ops/scheduled-job.js';
import { createCustomerApi, type CustomerApi } from './app.js';

export interface CustomerApiInstance {
  api: CustomerApi;
  db: Db;
  close(): Promise<void>;
}

/**
 * The real dependencies for a configuration: pool, JWT verifier + Gatekeeper,
 * and (when a publisher is given) the after-commit outbox publish.
 */
export function buildCustomerApi(config: CustomerApiConfig, log: Logger, publisher?: PubSubPublisher): CustomerApiInstance {
  const db = createDb({
    connectionString: config.databaseUrl,
    maxConnections: config.database.maxConnections,
    applicationName: 'customer-api',
    onConnectionError: logConnectionErrors(log),
  });
  const { keys, issuer, audience, maxTokenAgeSeconds } = config.jwt;
  const verifier = createAccessTokenVerifier({
    ...(keys.kind === 'secret' ? { secret: keys.secret } : { jwksUrl: keys.url }),
    issuer,
    audience,
    maxTokenAgeSeconds,
    logger: log,
  });
  const authenticator = createRequestAuthenticator({ verifier, gatekeeper: createGatekeeper(db, { logger: log }) });
  const onOutboxCommitted = publisher ? createOnOutboxCommitted({ db, publisher, topic: config.outboxTopic }) : undefined;
  // With Pub/Sub: runs are queued on the reconcile topic, dead letters pulled and replayed.
  const pubsub = publisher ? new PubSub({ projectId: config.projectId }) : undefined;
  const reconciliation = publisher ? { reconcile: { publisher, topic: config.reconcileTopic }, pubsub } : undefined;
  const sync = {
    outboxPublishing: publisher && { publisher, topic: config.outboxTopic },
    eventPublishing: publisher && { publisher, topic: config.hubspotEventsTopic },
    scheduler: config.reconcileSchedulerJob === undefined ? undefined : cloudSchedulerJobReader(config.reconcileSchedulerJob),
    rateBudget: config.rateBudget,
  };
  // Read-only HubSpot access for linking by hand; the sync worker alone writes HubSpot.
  const linking = config.hubspot && {
    hubspot: {
      companies: createHubspotClient(config.hubspot.client, { db, logger: log, accessToken: config.hubspot.accessToken }).companies,
      hubspotAppId: config.hubspot.appId,
    },
  };
  const api = createCustomerApi({
    db,
    authenticator,
    log,
    corsAllowedOrigins: config.corsAllowedOrigins,
    onOutboxCommitted,
    reconciliation,
    sync,
    linking,
  });
  return {
    api,
    db,
    async close() {
      await publisher?.close();
      await pubsub?.close();
      await db.destroy();
    },
  };
}
