import { http } from '@google-cloud/functions-framework';
import { loadWebhookConfig } from '../../shared/config/webhook-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { hookFrameworkServer } from '../../shared/http/framework-errors.js';
import { createLogger } from '../../shared/logging/logger.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildWebhookDeps } from './deps.js';
import { createHubspotWebhook } from './handler.js';

// Read once at module load: a missing or bad variable stops the instance from starting (ConfigError).
const config = await loadWebhookConfig(process.env, secretManagerReader());

// Deployed with --entry-point=hubspotWebhook; the pool and Pub/Sub client are built on the first request.
const webhook = createHubspotWebhook(lazily(async () => buildWebhookDeps(config)));
http('hubspotWebhook', webhook.handle);
// A malformed body on an instance's very first request still gets our envelope, not Express's page.
if (!hookFrameworkServer(webhook.handle, webhook.frameworkHooks)) {
  createLogger({ level: config.logLevel, projectId: config.projectId, bindings: { function: 'hubspotWebhook' } }).warn(
    'functions-framework server hook unavailable: body errors before the first request get the framework page',
  );
}
