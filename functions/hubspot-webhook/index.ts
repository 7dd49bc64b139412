import { http } from '@google-cloud/functions-framework';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildWebhookDeps } from './deps.js';
import { createHubspotWebhook } from './handler.js';

// Deployed with --entry-point=hubspotWebhook; clients are created on the first request.
http('hubspotWebhook', createHubspotWebhook(lazily(() => buildWebhookDeps(process.env))).handle);
