import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import type { AccessTokenClaims, Principal } from './principal.js';
import { hasWildcardAccess, permits } from './resource-permissions.js';

/**
 * Authorisation after authentication: the token says who the caller is; the database
 * says what they may do. The user's type comes from `users`, never from the token's
 * `user_type` claim, so a token minted before a demotion (or a forged claim) cannot elevate.
 *
 * One indexed query per request loads the user, their type and its permissions together.
 * There is deliberately no permission cache: it would not save a query (the user row must
 * be read on every request anyway, to honour deactivation at once) and would delay revocation.
 */
export interface Gatekeeper {
  /** The caller as a Principal, or AppError FORBIDDEN. */
  authorize(claims: AccessTokenClaims, resourcePath: string): Promise<Principal>;
}

export function createGatekeeper(db: DbOrTx, options: { logger?: Logger } = {}): Gatekeeper {
  const { logger } = options;
  const deny = (reason: string, fields: Record<string, unknown>): never => {
    logger?.warn('access denied', { reason, ...fields });
    throw new AppError('FORBIDDEN', 'You do not have access to this resource');
  };

  return {
    async authorize(claims, resourcePath) {
      const user = await db
        .selectFrom('users')
        .innerJoin('user_types', 'user_types.id', 'users.user_type_id')
        .leftJoin('user_type_permissions', 'user_type_permissions.user_type_id', 'users.user_type_id')
        .select(['users.id', 'users.email', 'users.is_active', 'users.user_type_id', 'user_types.name as user_type'])
        .select(
          sql<string[]>`coalesce(
            array_agg(user_type_permissions.resource_path) filter (where user_type_permissions.resource_path is not null),
            '{}'
          )`.as('permissions'),
        )
        .where('users.id', '=', claims.userId)
        .groupBy(['users.id', 'user_types.id'])
        .executeTakeFirst();

      const who = { userId: claims.userId, resourcePath };
      if (!user) return deny('unknown_user', who);
      if (!user.is_active) return deny('inactive_user', who);
      if (user.user_type_id !== claims.userTypeId) {
        // Routine after a type change until the old token expires; the database wins.
        logger?.info('token user type differs from the database; using the database', {
          ...who,
          tokenUserType: claims.userType,
          userType: user.user_type,
        });
      }
      if (!permits(user.permissions, resourcePath)) return deny('no_permission', { ...who, userType: user.user_type });

      return {
        userId: user.id,
        email: user.email,
        userType: user.user_type,
        permissions: user.permissions,
        customerScope: hasWildcardAccess(user.permissions) ? { kind: 'ALL' } : { kind: 'GRANTED', userId: user.id },
      };
    },
  };
}
