import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { ConfigError } from '../config/parse-env.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import type { AccessTokenClaims } from './principal.js';
import type { Clock } from '../runtime/clock.js';

/**
 * Verifies the access tokens WARP's auth service (warp-api-gateway) issues:
 * HS256 with the shared JWT_SECRET, `iss: warp-api-gateway`, no `aud`, claims
 * `sub` = `user_id`, `email`, `user_type_id`, `user_type`, `iat`, `nbf`, `exp`.
 * The same service signs refresh tokens with the same key and issuer but only
 * `sub`/`iat`/`exp`: the claim schema below is what tells them apart.
 *
 * Every rejection is the same 401 with the same message; the reason goes to the
 * log (never the token). Only an unreachable JWKS endpoint is a 503: the caller's
 * credentials may be fine, and a 401 would make the portal log them out.
 */

export const WARP_TOKEN_ISSUER = 'warp-api-gateway';

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
/**
 * RFC 7518 3.2 wants an HMAC key at least as long as the hash (32 bytes for HS256), but the
 * key is WARP's auth service's, of unknown length, and its tokens must verify: only an empty
 * key is refused here; the configuration warns about a short one (see customer-api-config.ts).
 */
const MIN_SECRET_BYTES = 1;
/** Far longer than any real JWT we accept; stops oversized headers before any parsing. */
const MAX_HEADER_LENGTH = 8192;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

export interface AccessTokenVerifierOptions {
  /** Shared HMAC secret (JWT_SECRET). Exactly one of `secret` and `jwksUrl`. */
  secret?: string;
  /** JWKS endpoint for asymmetric keys; https, or http on loopback only. */
  jwksUrl?: string;
  /** Default `warp-api-gateway`. */
  issuer?: string;
  /** When set, tokens must carry it in `aud`; when unset, tokens carrying any `aud` are refused. */
  audience?: string;
  /** Default HS256 for a secret, RS256 + ES256 for a JWKS. `none` is never accepted. */
  algorithms?: readonly string[];
  /** Allowed clock skew for exp/nbf/iat, seconds. Default 5. */
  clockToleranceSeconds?: number;
  /** Tokens issued (iat) longer ago than this are refused whatever their exp. Default 24 h. */
  maxTokenAgeSeconds?: number;
  /** JWKS fetch timeout, ms. Default 5000. */
  jwksTimeoutMs?: number;
  logger?: Logger;
  /** Clock for tests. */
  now?: Clock;
}

export interface AccessTokenVerifier {
  /** The claims of a valid access token, or AppError UNAUTHORIZED (SERVICE_UNAVAILABLE if the JWKS is unreachable). */
  verify(authorizationHeader: string | undefined): Promise<AccessTokenClaims>;
}

const optionsSchema = z
  .object({
    secret: z.string().optional(),
    jwksUrl: z.string().optional(),
    issuer: z.string().min(1).default(WARP_TOKEN_ISSUER),
    audience: z.string().min(1).optional(),
    algorithms: z.array(z.string()).min(1).optional(),
    clockToleranceSeconds: z.number().int().min(0).max(60).default(5),
    maxTokenAgeSeconds: z
      .number()
      .int()
      .positive()
      .default(24 * 3600),
    jwksTimeoutMs: z.number().int().positive().default(5000),
  })
  .superRefine((o, ctx) => {
    if ((o.secret === undefined) === (o.jwksUrl === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'configure exactly one of a JWT secret and a JWKS URL' });
      return;
    }
    if (o.secret !== undefined && Buffer.byteLength(o.secret, 'utf8') < MIN_SECRET_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'must not be empty' });
    }
    if (o.jwksUrl !== undefined && !isAcceptableJwksUrl(o.jwksUrl)) {
      ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'must be an https URL (http only on loopback)' });
    }
    const allowed: readonly string[] = o.secret !== undefined ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
    for (const alg of o.algorithms ?? []) {
      if (!allowed.includes(alg)) {
        ctx.addIssue({
          code: 'custom',
          path: ['algorithms'],
          message: `${alg} is not allowed with this key source (allowed: ${allowed.join(', ')})`,
        });
      }
    }
  });

function isAcceptableJwksUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

const uuidText = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
  .transform((s) => s.toLowerCase());
const tokenKind = z
  .string()
  .refine((kind) => !/refresh/i.test(kind), 'refresh tokens are not access tokens')
  .optional();

/** What an access token must carry; a refresh token (sub/iat/exp only, or typed refresh) fails here. */
const accessTokenPayload = z
  .object({
    sub: uuidText,
    user_id: uuidText,
    email: z
      .string()
      .min(3)
      .max(320)
      .regex(/^[^\s@]+@[^\s@]+$/),
    user_type_id: uuidText,
    user_type: z.string().min(1).max(64),
    iat: z.number(),
    exp: z.number(),
    type: tokenKind,
    token_type: tokenKind,
  })
  .refine((p) => p.sub === p.user_id, { message: 'sub and user_id differ', path: ['sub'] });

/** Thrown inside the key lookup so that a JWKS outage is told apart from a bad token. */
class KeySourceUnavailable extends Error {}

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `access token ${i.path.join('.') || 'options'}: ${i.message}`));
  }
  const config = parsed.data;
  const { logger, now } = options;
  const key = config.secret !== undefined ? sharedSecret(config.secret) : remoteKeys(new URL(config.jwksUrl!), config.jwksTimeoutMs);
  const algorithms = [...(config.algorithms ?? (config.secret !== undefined ? ['HS256'] : ['RS256', 'ES256']))];

  const reject = (reason: string, routine: boolean): never => {
    // Expired and absent credentials are everyday traffic; the rest may be probing.
    if (routine) logger?.debug('access token rejected', { reason });
    else logger?.warn('access token rejected', { reason });
    throw new AppError('UNAUTHORIZED', 'Authentication required');
  };

  return {
    async verify(authorizationHeader) {
      if (!authorizationHeader) return reject('missing_authorization', true);
      if (authorizationHeader.length > MAX_HEADER_LENGTH) return reject('authorization_too_long', false);
      const token = BEARER.exec(authorizationHeader)?.[1];
      if (!token) return reject('not_a_bearer_jwt', false);

      let payload: unknown;
      try {
        const verifyOptions = {
          algorithms,
          issuer: config.issuer,
          clockTolerance: config.clockToleranceSeconds,
          maxTokenAge: config.maxTokenAgeSeconds,
          requiredClaims: ['exp', 'iat'],
          ...(config.audience !== undefined ? { audience: config.audience } : {}),
          ...(now ? { currentDate: now() } : {}),
        };
        payload = (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (err) {
        if (err instanceof KeySourceUnavailable) {
          logger?.error('JWKS endpoint unavailable', { error: err.cause });
          throw new AppError('SERVICE_UNAVAILABLE', 'Authentication is temporarily unavailable');
        }
        if (err instanceof errors.JOSEError) return reject(err.code, err instanceof errors.JWTExpired);
        logger?.error('unexpected error while verifying an access token', { error: err });
        return reject('unexpected_error', false);
      }

      if (config.audience === undefined && payload !== null && typeof payload === 'object' && 'aud' in payload) {
        return reject('unexpected_audience', false);
      }
      const claims = accessTokenPayload.safeParse(payload);
      if (!claims.success) {
        // Paths only: claim values may be personal data.
        return reject(`invalid_claims:${claims.error.issues.map((i) => i.path.join('.')).join(',')}`, false);
      }
      return {
        userId: claims.data.user_id,
        email: claims.data.email,
        userTypeId: claims.data.user_type_id,
        userType: claims.data.user_type,
      };
    },
  };
}

function sharedSecret(secret: string): JWTVerifyGetKey {
  const bytes = new TextEncoder().encode(secret);
  return async () => bytes;
}

/**
 * jose's remote JWKS (cached; refetched at most every 30 s on an unknown `kid`), with
 * fetch failures marked so the verifier answers 503 rather than blaming the token.
 */
function remoteKeys(url: URL, timeoutDuration: number): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url, { timeoutDuration });
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) throw err;
      throw new KeySourceUnavailable('JWKS unavailable', { cause: err });
    }
  };
}

export interface DevAccessTokenInput {
  secret: string;
  userId: string;
  email: string;
  userTypeId: string;
  userType: string;
  /** Default one hour. */
  ttlSeconds?: number;
  now?: Date;
}

/**
 * Mints an access token exactly as WARP's auth service does (HS256, iss
 * warp-api-gateway, sub = user_id, iat = nbf, exp). For the dev token command
 * and tests; production tokens come from the auth service.
 */
export function signDevAccessToken(input: DevAccessTokenInput): Promise<string> {
  const issuedAt = Math.floor((input.now ?? new Date()).getTime() / 1000);
  return new SignJWT({
    user_id: input.userId,
    email: input.email,
    user_type_id: input.userTypeId,
    user_type: input.userType,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(WARP_TOKEN_ISSUER)
    .setSubject(input.userId)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + (input.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(input.secret));
}
