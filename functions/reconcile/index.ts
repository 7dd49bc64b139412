import { cloudEvent } from '@google-cloud/functions-framework';
import { loadReconcileConfig } from '../../shared/config/reconcile-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { createReconcileHandler } from '../../shared/reconciliation/reconcile-handler.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildReconcileDeps } from './deps.js';

// Read once at module load: a missing or bad variable stops the instance from starting (ConfigError).
const config = await loadReconcileConfig(process.env, secretManagerReader());

// --entry-point=reconcile: push subscription on `hubspot-reconcile-requests`, where Cloud Scheduler
// publishes the daily `{"all":true,"trigger":"SCHEDULER"}` and operators publish resync requests.
// Its own function: a run over every customer is long (up to the 540 s limit, resumed on
// redelivery) and must hold no field-sync instance; it only enqueues outbox rows, and the
// field-sync worker does the HubSpot work within the shared budget.
cloudEvent('reconcile', createReconcileHandler(lazily(async () => buildReconcileDeps(config))));
