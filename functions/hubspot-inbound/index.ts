import { cloudEvent } from '@google-cloud/functions-framework';
import { loadInboundConfig } from '../../shared/config/inbound-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { createInboundHandler } from '../../shared/inbound-sync/inbound-handler.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { buildInboundDeps } from './deps.js';

// Read once at module load: a missing or bad variable stops the instance from starting (ConfigError).
const config = await loadInboundConfig(process.env, secretManagerReader());

// --entry-point=hubspotInbound: Eventarc trigger on the webhook-events topic (HUBSPOT_EVENTS_TOPIC).
// Its own function rather than a second entry in field-sync: it is fed by another topic, ordered
// by HubSpot object id, and makes no HubSpot call on its common path, so it must not queue behind
// outbound batches waiting out HubSpot's rate limit; it scales, retries and dead-letters on its
// own. It shares the engine (planner, field state, advisory lock) through shared/, not a copy.
cloudEvent('hubspotInbound', createInboundHandler(lazily(async () => buildInboundDeps(config))));
