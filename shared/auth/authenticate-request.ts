import type { AccessTokenVerifier } from './access-token.js';
import type { Gatekeeper } from './gatekeeper.js';
import type { Principal } from './principal.js';

/** Request headers as Node (and functions-framework's Express) present them. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

export interface RequestAuthenticator {
  /** 401 UNAUTHORIZED without a valid access token, 403 FORBIDDEN without permission for the path. */
  authenticate(headers: RequestHeaders, resourcePath: string): Promise<Principal>;
}

export function createRequestAuthenticator(deps: { verifier: AccessTokenVerifier; gatekeeper: Gatekeeper }): RequestAuthenticator {
  return {
    async authenticate(headers, resourcePath) {
      const claims = await deps.verifier.verify(singleHeader(headers.authorization));
      return deps.gatekeeper.authorize(claims, resourcePath);
    },
  };
}

/** Several Authorization values are ambiguous: treat them as none (the verifier answers 401). */
function singleHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}
