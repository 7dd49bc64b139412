import { cloudEvent } from '@google-cloud/functions-framework';
import { loadFieldSyncConfig } from '../../shared/config/field-sync-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { createFieldSyncHandler } from '../../shared/outbound-sync/field-sync-handlers.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildFieldSyncDeps } from './deps.js';

// Read once at module load: a missing or bad variable stops the instance from starting (ConfigError).
const config = await loadFieldSyncConfig(process.env, secretManagerReader());

// --entry-point=fieldSync: Eventarc trigger on the outbox topic (OUTBOX_TOPIC).
cloudEvent('fieldSync', createFieldSyncHandler(lazily(async () => buildFieldSyncDeps(config))));
