import { http, type HttpFunction } from '@google-cloud/functions-framework';
import { loadCustomerApiConfig } from '../../shared/config/customer-api-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { hookFrameworkServer, type FrameworkHooks } from '../../shared/http/framework-errors.js';
import { MAX_BODY_BYTES } from '../../shared/http/json-body.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { buildCustomerApi, type CustomerApiInstance } from './wiring.js';

// Read once at module load: a missing or bad variable stops the instance from starting (ConfigError).
const config = await loadCustomerApiConfig(process.env, secretManagerReader());
const log = createLogger({ level: config.logLevel, projectId: config.projectId, bindings: { function: 'customerApi' } });
for (const warning of config.warnings) log.warn(warning);

// Pool, verifier and Pub/Sub client are built on first use, once per instance.
let instance: CustomerApiInstance | undefined;
const getInstance = () => (instance ??= buildCustomerApi(config, log, createPubSubPublisher()));

const handle: HttpFunction = (req, res) => getInstance().api.handle(req, res);
http('customerApi', handle);
// The API is built lazily, so the hooks reach it at call time.
const frameworkHooks: FrameworkHooks = {
  maxBodyBytes: MAX_BODY_BYTES,
  onError: (err, req, res) => getInstance().api.frameworkHooks.onError(err, req, res),
  beforeBody: (req) => getInstance().api.frameworkHooks.beforeBody(req),
};
if (!hookFrameworkServer(handle, frameworkHooks)) {
  log.warn('functions-framework server hook unavailable: body errors before the first request get the framework page');
}
