import fc from 'fast-check';
import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, signDevAccessToken, type AccessTokenVerifierOptions } from '../../../shared/auth/access-token.js';
import { ConfigError } from '../../../shared/config/parse-env.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { NOW, NOW_S, replacePayload, SECRET, sign, unsecuredToken, USER_ID, USER_TYPE_ID, warpClaims, without } from './token-factory.js';

function verifier(options: Partial<AccessTokenVerifierOptions> = {}) {
  return createAccessTokenVerifier({ secret: SECRET, now: () => NOW, ...options });
}

/** Asserts the one and only rejection: 401, fixed message, no details. */
async function expectUnauthorized(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const appError = err as AppError;
  expect({ code: appError.code, status: appError.status, message: appError.message, details: appError.details }).toEqual({
    code: 'UNAUTHORIZED',
    status: 401,
    message: 'Authentication required',
    details: undefined,
  });
}

describe('access token verifier: what WARP issues', () => {
  it('accepts an access token as WARP auth service signs it and returns its claims', async () => {
    const token = await sign(warpClaims());
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual({
      userId: USER_ID,
      email: 'ops@example.com',
      userTypeId: USER_TYPE_ID,
      userType: 'customer_admin',
    });
  });

  it('accepts tokens minted by signDevAccessToken (the dev token command)', async () => {
    const token = await signDevAccessToken({
      secret: SECRET,
      userId: USER_ID,
      email: 'a@b.c',
      userTypeId: USER_TYPE_ID,
      userType: 'admin',
      now: NOW,
    });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: USER_ID, userType: 'admin' });
  });

  it('accepts the scheme case-insensitively (RFC 7235 §2.1) and several separating spaces', async () => {
    const token = await sign(warpClaims());
    for (const header of [`bearer ${token}`, `BEARER ${token}`, `Bearer   ${token}`]) {
      await expect(verifier().verify(header)).resolves.toMatchObject({ userId: USER_ID });
    }
  });

  it('normalises upper-case uuids to the lower-case form Postgres returns', async () => {
    const upper = USER_ID.toUpperCase();
    const token = await sign(warpClaims({ sub: upper, user_id: upper, user_type_id: USER_TYPE_ID.toUpperCase() }));
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: USER_ID, userTypeId: USER_TYPE_ID });
  });

  it('tolerates a few seconds of clock skew, no more', async () => {
    const justExpired = await sign(warpClaims({ exp: NOW_S - 3 }));
    await expect(verifier().verify(`Bearer ${justExpired}`)).resolves.toMatchObject({ userId: USER_ID });
    const expired = await sign(warpClaims({ exp: NOW_S - 10 }));
    await expectUnauthorized(verifier().verify(`Bearer ${expired}`));
  });
});

describe('access token verifier: every rejection is the same 401', () => {
  it.each([
    ['no header', undefined],
    ['empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['scheme only', 'Bearer'],
    ['scheme and space', 'Bearer '],
    ['two segments', 'Bearer abc.def'],
    ['four segments', 'Bearer a.b.c.d'],
    ['not base64url', 'Bearer a$b.c%d.e^f'],
    ['garbage segments', 'Bearer aaaa.bbbb.cccc'],
    ['no space after scheme', 'BearereyJhbGciOiJIUzI1NiJ9.e30.sig'],
    ['oversized', `Bearer ${'a'.repeat(9000)}.b.c`],
  ])('%s', async (_name, header) => {
    await expectUnauthorized(verifier().verify(header));
  });

  it('refuses trailing text after the token and a token wrapped in quotes', async () => {
    const token = await sign(warpClaims());
    await expectUnauthorized(verifier().verify(`Bearer ${token} extra`));
    await expectUnauthorized(verifier().verify(`Bearer "${token}"`));
  });

  it('refuses alg none, with and without a signature segment', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${unsecuredToken(warpClaims())}`));
    await expectUnauthorized(verifier().verify(`Bearer ${unsecuredToken(warpClaims(), 'c2ln')}`));
  });

  it('refuses HS512 and HS384 even with the right secret (only HS256 is configured)', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(), SECRET, { alg: 'HS512' })}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(), SECRET, { alg: 'HS384' })}`));
  });

  it('refuses RS256 and ES256 tokens when a shared secret is configured', async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(), rsa.privateKey, { alg: 'RS256' })}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(), ec.privateKey, { alg: 'ES256' })}`));
  });

  it('refuses a token signed with another secret', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(), 'another-secret-that-is-at-least-32-bytes')}`));
  });

  it('refuses a wrong or missing issuer', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ iss: 'evil-gateway' }))}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(without(warpClaims(), 'iss'))}`));
  });

  it('refuses a token carrying an audience when none is configured (it was meant for someone else)', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ aud: 'billing-api' }))}`));
  });

  it('requires the configured audience', async () => {
    const withAudience = verifier({ audience: 'warp-customer-api' });
    await expectUnauthorized(withAudience.verify(`Bearer ${await sign(warpClaims())}`));
    await expectUnauthorized(withAudience.verify(`Bearer ${await sign(warpClaims({ aud: 'billing-api' }))}`));
    await expect(withAudience.verify(`Bearer ${await sign(warpClaims({ aud: 'warp-customer-api' }))}`)).resolves.toMatchObject({
      userId: USER_ID,
    });
  });

  it('refuses expired, not-yet-valid, issued-in-the-future and too-old tokens', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ exp: NOW_S - 3600 }))}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ nbf: NOW_S + 60 }))}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ iat: NOW_S + 60 }))}`));
    const ancient = warpClaims({ iat: NOW_S - 25 * 3600, nbf: NOW_S - 25 * 3600, exp: NOW_S + 3600 });
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(ancient)}`));
  });

  it('refuses tokens without exp or iat', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(without(warpClaims(), 'exp'))}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(without(warpClaims(), 'iat'))}`));
  });

  it('refuses a tampered payload (user type raised, signature kept)', async () => {
    const token = await sign(warpClaims());
    await expectUnauthorized(verifier().verify(`Bearer ${replacePayload(token, warpClaims({ user_type: 'superAdmin' }))}`));
  });

  it('refuses a tampered signature', async () => {
    const token = await sign(warpClaims());
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    await expectUnauthorized(verifier().verify(`Bearer ${header}.${payload}.${flipped}`));
  });

  it("refuses WARP's refresh token (same issuer and key, no user claims)", async () => {
    const refresh = { iss: 'warp-api-gateway', sub: USER_ID, iat: NOW_S, exp: NOW_S + 7 * 24 * 3600 };
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(refresh)}`));
  });

  it('refuses a token typed as a refresh token even when it carries user claims', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ type: 'refresh' }))}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ token_type: 'refresh_token' }))}`));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims({ type: 42 }))}`));
    await expect(verifier().verify(`Bearer ${await sign(warpClaims({ type: 'access' }))}`)).resolves.toMatchObject({ userId: USER_ID });
  });

  it.each(['sub', 'user_id', 'email', 'user_type_id', 'user_type'])('refuses a token without %s', async (claim) => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(without(warpClaims(), claim))}`));
  });

  it.each([
    ['sub differs from user_id', { sub: '11111111-2222-4333-8444-555555555555' }],
    ['non-uuid user_id and sub', { user_id: 'admin', sub: 'admin' }],
    ['non-uuid user_type_id', { user_type_id: '42' }],
    ['numeric user_id', { user_id: 42 }],
    ['email not an address', { email: 'not-an-email' }],
    ['email as an array', { email: ['a@b.c'] }],
    ['empty user_type', { user_type: '' }],
    ['user_type as an object', { user_type: { name: 'superAdmin' } }],
    ['exp as a string', { exp: String(NOW_S + 3600) }],
  ])('refuses malformed claims: %s', async (_name, overrides) => {
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(overrides))}`));
  });

  it('never answers anything but 401 for arbitrary header strings', async () => {
    const v = verifier();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `Bearer ${s}`),
          fc.base64String().map((s) => `Bearer ${s}.${s}.${s}`),
        ),
        async (header) => {
          await expectUnauthorized(v.verify(header));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never accepts a token with any single payload character changed', async () => {
    const v = verifier();
    const token = await sign(warpClaims());
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: payload.length - 2 }), fc.constantFrom(...alphabet), async (index, char) => {
        fc.pre(payload[index] !== char);
        const mutated = payload.slice(0, index) + char + payload.slice(index + 1);
        await expectUnauthorized(v.verify(`Bearer ${header}.${mutated}.${signature}`));
      }),
      { numRuns: 200 },
    );
  });
});

describe('access token verifier: logging', () => {
  it('logs the reason, never the token', async () => {
    const { logger, lines } = createMemoryLogger();
    const token = await sign(warpClaims({ exp: NOW_S - 3600 }));
    await expectUnauthorized(verifier({ logger }).verify(`Bearer ${token}`));
    const refresh = await sign({ iss: 'warp-api-gateway', sub: USER_ID, iat: NOW_S, exp: NOW_S + 60 });
    await expectUnauthorized(verifier({ logger }).verify(`Bearer ${refresh}`));
    expect(lines.map((l) => [l.severity, l.reason])).toEqual([
      ['DEBUG', 'ERR_JWT_EXPIRED'],
      ['WARNING', 'invalid_claims:user_id,email,user_type_id,user_type'],
    ]);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(token.split('.')[2]);
    expect(logged).not.toContain(refresh.split('.')[1]);
  });
});

describe('access token verifier: configuration', () => {
  const expectConfigError = (options: AccessTokenVerifierOptions, fragment: string) => {
    expect(() => createAccessTokenVerifier(options)).toThrowError(ConfigError);
    expect(() => createAccessTokenVerifier(options)).toThrowError(fragment);
  };

  it('needs exactly one key source', () => {
    expectConfigError({}, 'exactly one');
    expectConfigError({ secret: SECRET, jwksUrl: 'https://auth.example.com/.well-known/jwks.json' }, 'exactly one');
  });

  it('accepts a secret shorter than 256 bits (WARP owns it) but refuses an empty one', async () => {
    const short = 'warp-16-byte-key';
    const token = await sign(warpClaims(), short);
    await expect(verifier({ secret: short }).verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: USER_ID });
    await expectUnauthorized(verifier({ secret: short }).verify(`Bearer ${await sign(warpClaims(), 'warp-16-byte-kex')}`));
    expectConfigError({ secret: '' }, 'must not be empty');
  });

  it('refuses tokens issued longer ago than maxTokenAgeSeconds, whatever their exp', async () => {
    const issuedHoursAgo = (hours: number) => sign(warpClaims({ iat: NOW_S - hours * 3600, nbf: NOW_S - hours * 3600, exp: NOW_S + 3600 }));
    const twoDays = verifier({ maxTokenAgeSeconds: 48 * 3600 });
    await expect(twoDays.verify(`Bearer ${await issuedHoursAgo(47)}`)).resolves.toMatchObject({ userId: USER_ID });
    await expectUnauthorized(twoDays.verify(`Bearer ${await issuedHoursAgo(49)}`));
    await expectUnauthorized(verifier({ maxTokenAgeSeconds: 3600 }).verify(`Bearer ${await issuedHoursAgo(2)}`));
  });

  it('refuses algorithms that do not fit the key source, and none', () => {
    expectConfigError({ secret: SECRET, algorithms: ['none'] }, 'none is not allowed');
    expectConfigError({ secret: SECRET, algorithms: ['RS256'] }, 'RS256 is not allowed');
    expectConfigError({ jwksUrl: 'https://auth.example.com/jwks', algorithms: ['HS256'] }, 'HS256 is not allowed');
    expectConfigError({ jwksUrl: 'https://auth.example.com/jwks', algorithms: ['none'] }, 'none is not allowed');
  });

  it('refuses a plain-http JWKS URL except on loopback', () => {
    expectConfigError({ jwksUrl: 'http://auth.example.com/jwks' }, 'https');
    expectConfigError({ jwksUrl: 'not a url' }, 'https');
    expect(() => createAccessTokenVerifier({ jwksUrl: 'http://127.0.0.1:1234/jwks' })).not.toThrow();
  });

  it('names the problem without echoing the secret', () => {
    const options = { secret: 'tiny-s3cret', jwksUrl: 'https://auth.example.com/jwks' };
    expect(() => createAccessTokenVerifier(options)).toThrowError(ConfigError);
    expect(() => createAccessTokenVerifier(options)).toThrowError(
      expect.objectContaining({ message: expect.not.stringContaining('tiny-s3cret') }),
    );
  });
});
