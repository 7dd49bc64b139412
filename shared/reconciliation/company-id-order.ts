import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/database.js';
import type { CustomersTable } from '../db/tables/customers.js';

/**
 * HubSpot's record ids are decimal numbers, and its listing pages through them in id order. Ids
 * compare as the numbers they are: by length, then digit by digit. A company id that is no decimal
 * number belongs to no HubSpot company.
 */
export function compareCompanyIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

const DECIMAL_ID = /^[0-9]+$/;

/** The greatest decimal id of `ids` and `floor` (null: none yet). */
export function greatestCompanyId(ids: readonly string[], floor: string | null): string | null {
  const greater = (id: string, max: string | null) => DECIMAL_ID.test(id) && (max === null || compareCompanyIds(id, max) > 0);
  return ids.reduce<string | null>((max, id) => (greater(id, max) ? id : max), floor);
}

type CustomerScope = ExpressionBuilder<Database & { c: CustomersTable }, 'c'>;

/**
 * The customer's company id is a decimal id after `after` (null: from the first) and up to `upTo`
 * (null: without end). Among decimal ids of one length text order is numeric order, under any
 * collation: within one length, the common case, the unique index on hubspot_company_id serves
 * the range instead of a scan of every customer.
 */
export function companyIdWithin(eb: CustomerScope, after: string | null, upTo: string | null): Expression<SqlBool> {
  const id = 'c.hubspot_company_id' as const;
  const length = sql<number>`length(c.hubspot_company_id)`;
  const decimal = sql<SqlBool>`c.hubspot_company_id ~ '^[0-9]+$'`;
  if (after !== null && upTo !== null && after.length === upTo.length) {
    return eb.and([eb(id, '>', after), eb(id, '<=', upTo), eb(length, '=', after.length), decimal]);
  }
  const bounds = [
    ...(after === null ? [] : [eb.or([eb(length, '>', after.length), eb.and([eb(length, '=', after.length), eb(id, '>', after)])])]),
    ...(upTo === null ? [] : [eb.or([eb(length, '<', upTo.length), eb.and([eb(length, '=', upTo.length), eb(id, '<=', upTo)])])]),
  ];
  return eb.and([...bounds, decimal]);
}

/** The customer's company id is no decimal number: no HubSpot company has it. */
export function companyIdNotDecimal(): Expression<SqlBool> {
  return sql<SqlBool>`c.hubspot_company_id !~ '^[0-9]+$'`;
}
