import { cloudEvent } from '@google-cloud/functions-framework';
import { createFieldSyncHandler } from '../../shared/outbound-sync/field-sync-handlers.js';
import { createOutboxRelayHandler } from '../../shared/outbox/relay-handler.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildFieldSyncDeps, buildOutboxRelayDeps } from './deps.js';

// --entry-point=fieldSync: Eventarc trigger on the outbox topic (OUTBOX_TOPIC).
cloudEvent('fieldSync', createFieldSyncHandler(lazily(() => buildFieldSyncDeps(process.env))));

// --entry-point=outboxRelay: Cloud Scheduler -> topic `outbox-relay-tick` (e.g. every minute).
// Its own entry so a relay tick never waits behind sync work and scales on its own.
cloudEvent('outboxRelay', createOutboxRelayHandler(lazily(() => buildOutboxRelayDeps(process.env))));
