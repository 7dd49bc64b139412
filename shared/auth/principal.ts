/** Claims of a verified WARP access token (see shared/auth/access-token.ts). */
export interface AccessTokenClaims {
  userId: string;
  email: string;
  userTypeId: string;
  userType: string;
}

/**
 * Which customers a caller may see: everything (wildcard permission) or only
 * those granted to the user in user_customer_access.
 */
export type CustomerScope = { kind: 'ALL' } | { kind: 'GRANTED'; userId: string };

/** An authenticated and authorised caller, as Gatekeeper hands it to services. */
export interface Principal {
  userId: string;
  email: string;
  userType: string;
  permissions: readonly string[];
  customerScope: CustomerScope;
}
