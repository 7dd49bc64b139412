/** What every HubSpot-path handler receives. */
import type { SandboxState } from './state.js';

export interface ApiContext {
  state: SandboxState;
  query: URLSearchParams;
  body: unknown;
  rawBody: string;
}
