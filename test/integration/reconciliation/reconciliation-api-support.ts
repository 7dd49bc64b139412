import { signDevAccessToken, createAccessTokenVerifier } from '../../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../../shared/auth/authenticate-request.js';
import { createGatekeeper } from '../../../shared/auth/gatekeeper.js';
import { seedDemoData, SEED_USERS } from '../../../dev/local/seed.js';
import type { CustomerApiDeps } from '../../../functions/customer-api/app.js';
import { startCustomerApi, type RunningApi } from '../customer-api/support.js';
import { startReconcileHarness, type ReconcileHarness } from './reconcile-harness.js';

const SECRET = 'reconciliation-api-test-secret-32-bytes!';

/**
 * The reconcile harness (PostgreSQL, sandbox, emulator, workers on demand) plus the customer API
 * over the real functions-framework stack, with real tokens, verifier and Gatekeeper over the
 * demo seed, queuing runs on the harness's reconcile topic.
 */
export interface ReconciliationApi {
  h: ReconcileHarness;
  api: RunningApi;
  tokens: { superAdmin: string; customerAdmin: string };
  close(): Promise<void>;
}

/** `extra(h)`: more of the customer API's dependencies, built on the harness. */
export async function createReconciliationApi(extra?: (h: ReconcileHarness) => Partial<CustomerApiDeps>): Promise<ReconciliationApi> {
  const h = await startReconcileHarness();
  const db = h.sync.database.db;
  await seedDemoData(db);
  const verifier = createAccessTokenVerifier({ secret: SECRET });
  const api = await startCustomerApi(h.sync.database, {
    authenticator: createRequestAuthenticator({ verifier, gatekeeper: createGatekeeper(db) }),
    reconciliation: { reconcile: { publisher: h.sync.publisher, topic: h.sync.names.reconcileTopic }, pubsub: h.sync.pubsub },
    ...extra?.(h),
  });
  const token = (user: (typeof SEED_USERS)[keyof typeof SEED_USERS]) =>
    signDevAccessToken({ secret: SECRET, userId: user.userId, email: user.email, userTypeId: user.userTypeId, userType: user.userType });
  return {
    h,
    api,
    tokens: { superAdmin: await token(SEED_USERS.superAdmin), customerAdmin: await token(SEED_USERS.customer_admin) },
    async close() {
      await api.close();
      await h.close();
    },
  };
}
