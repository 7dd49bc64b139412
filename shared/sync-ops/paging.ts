import { sql, type SelectQueryBuilder } from 'kysely';
import { z } from 'zod';

/** Query-string values arrive as text; a repeated parameter arrives as an array and is refused. */
export const single = z.string({ error: 'must be given once' });

export const limitParam = (fallback: number, max: number) =>
  single
    .regex(/^\d{1,4}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback);

/** bigserial ids travel as decimal text (they can exceed 2^53). */
export const bigIdSchema = z.string().regex(/^[1-9]\d{0,18}$/, 'must be a positive integer id');

/**
 * An opaque keyset cursor: base64url JSON of the last row's sort key, checked with `key` on the
 * way back in, so a hand-edited cursor is a 400 naming `cursor`, never a broken query.
 */
export function cursorParam<T extends z.ZodType>(key: T) {
  return single.transform((text, ctx): z.output<T> => {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const parsed = key.safeParse(decoded);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: 'is not a cursor this endpoint returned' });
    return z.NEVER;
  });
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** One page of a keyset scan: `rows` fetched with limit + 1, so one extra row means there is more. */
export function pageOf<R, K>(rows: readonly R[], limit: number, keyOf: (row: R) => K): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeCursor(keyOf(page[page.length - 1]!)) : null };
}

/** Which page of a keyset scan on id: its size, and the cursor the previous page returned. */
export interface IdPage {
  limit: number;
  cursor?: { id: string } | undefined;
}

/**
 * One page of a keyset scan on a bigserial id: the rows past `page.cursor` in `order`, from an
 * index range scan, so page 1,000 costs what page 1 does. `column` qualifies the id in a query
 * that aliases its table.
 */
export async function pageById<DB, TB extends keyof DB, O extends { id: string }>(
  select: SelectQueryBuilder<DB, TB, O>,
  page: IdPage,
  order: 'asc' | 'desc',
  column = 'id',
): Promise<{ rows: O[]; nextCursor: string | null }> {
  const id = sql.ref<string>(column);
  const rows: O[] = await select
    .$if(page.cursor !== undefined, (q) => q.where(id, order === 'desc' ? '<' : '>', page.cursor!.id))
    .orderBy(id, order)
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, (r) => ({ id: r.id }));
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    /** Pass as `cursor` for the next page; null on the last one. */
    nextCursor: z.string().nullable(),
  });

export const idCursor = cursorParam(z.object({ id: bigIdSchema }));

export const isoDate = z.iso.datetime({ offset: true });
