import type { ColumnType, Generated } from 'kysely';

export type RateBlockReason = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

/**
 * The shared HubSpot rate budget (sql/0005); reservations and blocks are written only through
 * hubspot_rate_reserve/hubspot_rate_block, the daily figures by recordDailyUsage (sql/0012).
 */
export interface HubspotRateBudgetTable {
  bucket: string;
  /** bigint[] of epoch ms; pg returns int8 values as strings. */
  reserved_at_ms: ColumnType<string[], string[] | undefined, string[]>;
  blocked_until: Date | null;
  blocked_reason: RateBlockReason | null;
  updated_at: Generated<Date>;
  daily_limit: ColumnType<number | null, number | null | undefined, number | null>;
  daily_remaining: ColumnType<number | null, number | null | undefined, number | null>;
  daily_observed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
