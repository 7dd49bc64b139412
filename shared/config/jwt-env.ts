import { z } from 'zod';
import { LOCAL_DEV_JWT_SECRET } from '../auth/dev-secret.js';

/** Catches a lifetime given in milliseconds while allowing any plausible hours-based one. */
const MAX_TOKEN_AGE_SECONDS = 90 * 24 * 3600;
/**
 * RFC 7518 3.2 wants an HS256 key of at least the hash size. WARP's auth service owns the
 * secret and its tokens must verify whatever its length, so a shorter one is only warned about.
 */
const RECOMMENDED_SECRET_BYTES = 32;

/** How the customer API verifies access tokens. JWT_SECRET is a secret: list it in the loader's secrets. */
export const jwtEnvFields = {
  JWT_SECRET: z.string().optional(),
  JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  JWT_ISSUER: z.string().min(1).default('warp-api-gateway'),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** WARP's auth service sets its token lifetime in hours; tokens older than this (by iat) are refused. */
  JWT_MAX_TOKEN_AGE_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1)
    .max(MAX_TOKEN_AGE_SECONDS, 'must be at most 90 days (it is in seconds, not milliseconds)')
    .default(24 * 3600),
  /** Cloud Functions gen2 / Cloud Run set K_SERVICE; NODE_ENV=production marks other deployments. */
  K_SERVICE: z.string().optional(),
  NODE_ENV: z.string().optional(),
};

type JwtEnv = z.output<z.ZodObject<typeof jwtEnvFields>>;

/** Where access tokens' keys come from: exactly one of a shared HS256 secret or a JWKS URL. */
export type JwtKeySource = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string };

/** Exactly one key source, and never the public local secret on a deployment. */
export function checkJwtKeySource(env: JwtEnv, ctx: z.RefinementCtx): void {
  // An empty JWT_SECRET reads as unset (see secrets.ts), so it is refused here as missing.
  if (env.JWT_SECRET && env.JWKS_URL) {
    ctx.addIssue({ code: 'custom', path: [], message: 'JWT_SECRET / JWKS_URL: set exactly one, not both' });
  }
  if (!env.JWT_SECRET && !env.JWKS_URL) {
    ctx.addIssue({ code: 'custom', path: [], message: 'JWT_SECRET / JWKS_URL: one is required (or JWT_SECRET_SECRET)' });
  }
  // The local stack's secret is public: anyone could mint tokens for a deployment that used it.
  if (env.JWT_SECRET === LOCAL_DEV_JWT_SECRET && (Boolean(env.K_SERVICE) || env.NODE_ENV === 'production')) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is the public local development secret; set the real one' });
  }
}

export interface JwtConfig {
  keys: JwtKeySource;
  issuer: string;
  audience?: string;
  maxTokenAgeSeconds: number;
}

export function jwtConfigOf(env: JwtEnv): JwtConfig {
  // checkJwtKeySource leaves exactly one of the two.
  const keys: JwtKeySource = env.JWT_SECRET ? { kind: 'secret', secret: env.JWT_SECRET } : { kind: 'jwks', url: env.JWKS_URL! };
  return { keys, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, maxTokenAgeSeconds: env.JWT_MAX_TOKEN_AGE_SECONDS };
}

/** Accepted but risky settings, for the caller to log once at start-up (never with values). */
export function jwtWarnings(env: JwtEnv): string[] {
  if (!env.JWT_SECRET || Buffer.byteLength(env.JWT_SECRET) >= RECOMMENDED_SECRET_BYTES) return [];
  return [`JWT_SECRET is shorter than ${RECOMMENDED_SECRET_BYTES} bytes; RFC 7518 requires at least the hash size, rotate it`];
}
