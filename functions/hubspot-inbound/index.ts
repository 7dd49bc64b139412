import { cloudEvent } from '@google-cloud/functions-framework';
import { createInboundHandler } from '../../shared/inbound-sync/inbound-handler.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildInboundDeps } from './deps.js';

// --entry-point=hubspotInbound: Eventarc trigger on the webhook-events topic (HUBSPOT_EVENTS_TOPIC).
// Its own function rather than a second entry in field-sync: it is fed by another topic, ordered
// by HubSpot object id, and makes no HubSpot call on its common path, so it must not queue behind
// outbound batches waiting out HubSpot's rate limit; it scales, retries and dead-letters on its
// own. It shares the engine (planner, field state, advisory lock) through shared/, not a copy.
cloudEvent('hubspotInbound', createInboundHandler(lazily(() => buildInboundDeps(process.env))));
