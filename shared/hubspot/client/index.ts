/** The HubSpot client's public surface: import from here. */
export * from './errors.js';
export type * from './hubspot-companies.js';
export { createHubspotClient, createCallCounter, type HubspotClient, type HubspotClientDeps } from './hubspot-client.js';
export { hubspotClientEnvFields, hubspotClientConfigFromEnv, type HubspotClientConfig, type HubspotClientEnv } from './config.js';
export { createPostgresRateBudget, RATE_BUDGET_DEFAULTS, type RateBudget, type BudgetKind, type RateBudgetOptions } from './rate-budget.js';
export { createHubspotCaller, RETRY_DEFAULTS, type HubspotCallEvent, type RetryPolicyOptions, type HubspotCaller } from './retry-policy.js';
export { createApiClientCompanies, HUBSPOT_LIMITS } from './api-client-companies.js';
