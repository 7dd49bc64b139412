import { cloudEvent } from '@google-cloud/functions-framework';
import { loadOutboxRelayConfig } from '../../shared/config/outbox-relay-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { createOutboxRelayHandler } from '../../shared/outbox/relay-handler.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildOutboxRelayDeps } from './deps.js';

// Read once at module load: a missing or bad variable stops the instance from starting (ConfigError).
const config = await loadOutboxRelayConfig(process.env, secretManagerReader());

// --entry-point=outboxRelay: Cloud Scheduler -> topic `outbox-relay-tick` (e.g. every minute).
// Its own function so a relay tick never waits behind sync work and scales on its own.
cloudEvent('outboxRelay', createOutboxRelayHandler(lazily(async () => buildOutboxRelayDeps(config))));
