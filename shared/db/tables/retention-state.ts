import type { ColumnType } from 'kysely';

/** Rows the retention purge removed per table (sql/0013); written only by shared/retention/purge.ts. */
export interface RetentionStateTable {
  table_name: string;
  /** bigint; pg returns int8 as a string. */
  rows_purged: ColumnType<string, string | number | undefined, string | number>;
  last_purged_at: Date;
}
