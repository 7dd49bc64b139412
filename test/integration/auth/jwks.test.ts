import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, type AccessTokenVerifierOptions } from '../../../shared/auth/access-token.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { NOW, sign, unsecuredToken, USER_ID, warpClaims } from '../../unit/auth/token-factory.js';

/** A JWKS endpoint on loopback, as an identity provider would serve it. */
let server: http.Server;
let baseUrl: string;
let jwksRequests = 0;
let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
let rsaPublicPem: string;

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  ec = await generateKeyPair('ES256', { extractable: true });
  rsaPublicPem = await exportSPKI(rsa.publicKey);
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
  server = http.createServer((req, res) => {
    if (req.url === '/jwks.json') {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    } else if (req.url === '/broken') {
      res.writeHead(500).end('oops');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

function verifier(options: Partial<AccessTokenVerifierOptions> = {}) {
  return createAccessTokenVerifier({ jwksUrl: `${baseUrl}/jwks.json`, now: () => NOW, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

async function expectUnauthorized(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect([err.code, err.message, err.details]).toEqual(['UNAUTHORIZED', 'Authentication required', undefined]);
}

describe('access tokens verified against a JWKS', () => {
  it('accepts RS256 and ES256 tokens signed by keys in the set', async () => {
    const v = verifier();
    const rs = await sign(warpClaims(), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' });
    const es = await sign(warpClaims(), ec.privateKey, { alg: 'ES256', kid: 'ec-1' });
    await expect(v.verify(`Bearer ${rs}`)).resolves.toMatchObject({ userId: USER_ID });
    await expect(v.verify(`Bearer ${es}`)).resolves.toMatchObject({ userId: USER_ID });
  });

  it('caches the key set instead of fetching it per request', async () => {
    const v = verifier();
    const token = await sign(warpClaims(), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' });
    const before = jwksRequests;
    for (let i = 0; i < 5; i++) await v.verify(`Bearer ${token}`);
    expect(jwksRequests - before).toBe(1);
  });

  it('refuses the RS->HS key confusion: HS256 signed with the public key PEM as the secret', async () => {
    const forged = await sign(warpClaims({ user_type: 'superAdmin' }), rsaPublicPem, { alg: 'HS256', kid: 'rsa-1' });
    await expectUnauthorized(verifier().verify(`Bearer ${forged}`));
    const forgedNoKid = await sign(warpClaims(), rsaPublicPem, { alg: 'HS256' });
    await expectUnauthorized(verifier().verify(`Bearer ${forgedNoKid}`));
  });

  it('refuses alg none', async () => {
    await expectUnauthorized(verifier().verify(`Bearer ${unsecuredToken(warpClaims(), 'c2ln')}`));
  });

  it('refuses algorithms outside the allowed list even with a genuine key', async () => {
    const sameKeyForRs512 = await importPKCS8(await exportPKCS8(rsa.privateKey), 'RS512');
    const rs512 = await sign(warpClaims(), sameKeyForRs512, { alg: 'RS512', kid: 'rsa-1' });
    await expectUnauthorized(verifier().verify(`Bearer ${rs512}`));
    const es = await sign(warpClaims(), ec.privateKey, { alg: 'ES256', kid: 'ec-1' });
    await expectUnauthorized(verifier({ algorithms: ['RS256'] }).verify(`Bearer ${es}`));
  });

  it('refuses a token signed by a key outside the set, whatever kid it names', async () => {
    const stranger = await generateKeyPair('RS256');
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(), stranger.privateKey, { alg: 'RS256', kid: 'rsa-1' })}`));
    await expectUnauthorized(
      verifier().verify(`Bearer ${await sign(warpClaims(), stranger.privateKey, { alg: 'RS256', kid: 'unknown' })}`),
    );
  });

  it('still requires the WARP access-token claims and issuer', async () => {
    const refresh = { iss: 'warp-api-gateway', sub: USER_ID, iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 60 };
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(refresh, rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' })}`));
    const wrongIssuer = warpClaims({ iss: 'someone-else' });
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(wrongIssuer, rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' })}`));
  });

  it('answers 503, not 401, when the key set cannot be fetched', async () => {
    const token = await sign(warpClaims(), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' });
    const broken = await rejection(verifier({ jwksUrl: `${baseUrl}/broken` }).verify(`Bearer ${token}`));
    expect([broken.code, broken.status]).toEqual(['SERVICE_UNAVAILABLE', 503]);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await rejection(verifier({ jwksUrl: deadUrl }).verify(`Bearer ${token}`));
    expect(unreachable.code).toBe('SERVICE_UNAVAILABLE');
  });

  it('answers 401 without fetching anything for tokens that fail before key lookup', async () => {
    const before = jwksRequests;
    await expectUnauthorized(verifier().verify('Bearer not.a.jwt'));
    await expectUnauthorized(verifier().verify(`Bearer ${await sign(warpClaims(), rsaPublicPem, { alg: 'HS256' })}`));
    expect(jwksRequests).toBe(before);
  });
});
