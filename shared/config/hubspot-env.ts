import { z } from 'zod';
import { hubspotClientConfigFromEnv, hubspotClientEnvFields, type HubspotClientConfig } from '../hubspot/client/config.js';

/** The HubSpot client's env fields and the app id; the access token is each function's own secret. */
export const hubspotEnvFields = {
  ...hubspotClientEnvFields,
  /**
   * The id of the HubSpot app whose token is used (the app's settings page shows it). Properties
   * whose last change this app made are our own writes, so one that landed late is put back to
   * WARP's value instead of being taken for a HubSpot edit. Unset: none recognized.
   */
  HUBSPOT_APP_ID: z.string().regex(/^\d+$/, 'must be the numeric HubSpot app id').optional(),
};

type HubspotEnv = z.output<z.ZodObject<typeof hubspotEnvFields>>;

/** What a function's HubSpot client is built from. */
export interface HubspotConfig {
  accessToken: string;
  appId?: string;
  client: HubspotClientConfig;
}

export function hubspotConfigOf(env: HubspotEnv, accessToken: string): HubspotConfig {
  return { accessToken, appId: env.HUBSPOT_APP_ID, client: hubspotClientConfigFromEnv(env) };
}
