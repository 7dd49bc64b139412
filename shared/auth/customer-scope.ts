import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Database, DbOrTx } from '../db/database.js';
import type { CustomerScope } from './principal.js';

/**
 * The row filter every customer query must carry (select, update, count):
 *   db.selectFrom('customers').where(customerVisibilityFilter(principal.customerScope))
 * ALL adds a constant `true` the planner drops; GRANTED adds
 *   EXISTS (SELECT 1 FROM user_customer_access WHERE user_id = $1 AND customer_id = customers.id)
 * (a primary-key probe per row). It is typed against the unaliased `customers` table, so a
 * query that aliases the table fails to compile rather than silently losing the scope.
 */
export function customerVisibilityFilter(scope: CustomerScope) {
  return (eb: ExpressionBuilder<Database, 'customers'>): Expression<SqlBool> => {
    if (scope.kind === 'ALL') return sql<SqlBool>`true`;
    return eb.exists(
      eb
        .selectFrom('user_customer_access')
        .select(sql.lit(1).as('granted'))
        .where('user_customer_access.user_id', '=', scope.userId)
        .whereRef('user_customer_access.customer_id', '=', 'customers.id'),
    );
  };
}

/** Grants one customer to one user (idempotent): a scoped user's own creations, the dev token command, seeds, tests. */
export async function grantCustomerAccess(db: DbOrTx, grant: { userId: string; customerId: string; grantedBy: string }): Promise<void> {
  await db
    .insertInto('user_customer_access')
    .values({ user_id: grant.userId, customer_id: grant.customerId, granted_by: grant.grantedBy })
    .onConflict((oc) => oc.columns(['user_id', 'customer_id']).doNothing())
    .execute();
}
