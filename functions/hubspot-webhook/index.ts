import { http } from '@google-cloud/functions-framework';
import { hookFrameworkServer } from '../../shared/http/framework-errors.js';
import { createLogger } from '../../shared/logging/logger.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildWebhookDeps } from './deps.js';
import { createHubspotWebhook } from './handler.js';

// Deployed with --entry-point=hubspotWebhook; clients are created on the first request.
const webhook = createHubspotWebhook(lazily(() => buildWebhookDeps(process.env)));
http('hubspotWebhook', webhook.handle);
// A malformed body on an instance's very first request still gets our envelope, not Express's page.
if (!hookFrameworkServer(webhook.handle, webhook.frameworkHooks)) {
  createLogger({ bindings: { function: 'hubspotWebhook' } }).warn(
    'functions-framework server hook unavailable: body errors before the first request get the framework page',
  );
}
