import { cloudEvent } from '@google-cloud/functions-framework';
import { createReconcileHandler } from '../../shared/reconciliation/reconcile-handler.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildReconcileDeps } from './deps.js';

// --entry-point=reconcile: push subscription on `hubspot-reconcile-requests`, where Cloud Scheduler
// publishes the daily `{"all":true,"trigger":"SCHEDULER"}` and operators publish resync requests.
// Its own function: a run over every customer is long (up to the 540 s limit, resumed on
// redelivery) and must hold no field-sync instance; it only enqueues outbox rows, and the
// field-sync worker does the HubSpot work within the shared budget.
cloudEvent('reconcile', createReconcileHandler(lazily(() => buildReconcileDeps(process.env))));
