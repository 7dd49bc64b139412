import { describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, signDevAccessToken } from '../../../shared/auth/access-token.js';
import { LOCAL_DEV_JWT_SECRET } from '../../../shared/auth/dev-secret.js';
import { DEV_USERS, devUserIsScoped } from '../../../shared/auth/dev-users.js';

describe('dev users and the local dev secret', () => {
  it('mint tokens the default verifier accepts for every seeded user', async () => {
    const verifier = createAccessTokenVerifier({ secret: LOCAL_DEV_JWT_SECRET });
    for (const user of Object.values(DEV_USERS)) {
      const token = await signDevAccessToken({ secret: LOCAL_DEV_JWT_SECRET, ...user });
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({
        userId: user.userId,
        email: user.email,
        userTypeId: user.userTypeId,
        userType: user.userType,
      });
    }
  });

  it('have distinct ids and emails, keyed by their own type name', () => {
    const users = Object.entries(DEV_USERS);
    for (const [name, user] of users) expect(user.userType).toBe(name);
    for (const key of ['userId', 'userTypeId', 'email'] as const) {
      expect(new Set(users.map(([, u]) => u[key])).size).toBe(users.length);
    }
  });

  it('scope only the non-wildcard types to grants', () => {
    expect(
      Object.values(DEV_USERS)
        .filter(devUserIsScoped)
        .map((u) => u.userType),
    ).toEqual(['customer_admin', 'viewer']);
  });
});
