import { base64url, SignJWT, type JWTPayload, type JWTHeaderParameters, type CryptoKey } from 'jose';
import { WARP_TOKEN_ISSUER } from '../../../shared/auth/access-token.js';

export const SECRET = 'unit-test-secret-that-is-at-least-32-bytes-long';
export const USER_ID = '6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
export const USER_TYPE_ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
export const NOW = new Date('2026-03-01T12:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

/** The claims WARP's auth service puts in an access token, at NOW, valid for an hour. */
export function warpClaims(overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    user_id: USER_ID,
    email: 'ops@example.com',
    user_type_id: USER_TYPE_ID,
    user_type: 'customer_admin',
    iss: WARP_TOKEN_ISSUER,
    sub: USER_ID,
    iat: NOW_S,
    nbf: NOW_S,
    exp: NOW_S + 3600,
    ...overrides,
  };
}

/** Signs any payload with any header/key, so tests can build what an attacker would. */
export function sign(
  payload: JWTPayload,
  key: Uint8Array | CryptoKey | string = SECRET,
  header: JWTHeaderParameters = { alg: 'HS256', typ: 'JWT' },
): Promise<string> {
  const material = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  return new SignJWT(payload).setProtectedHeader(header).sign(material);
}

/** Drops claims (undefined values vanish in JSON). */
export function without(payload: JWTPayload, ...claims: string[]): JWTPayload {
  return Object.fromEntries(Object.entries(payload).filter(([k]) => !claims.includes(k)));
}

/** An unsecured JWT (`alg: none`), built by hand as jose refuses to produce one for verification. */
export function unsecuredToken(payload: JWTPayload, signature = ''): string {
  const enc = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(payload)}.${signature}`;
}

export function replacePayload(token: string, payload: JWTPayload): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
}
