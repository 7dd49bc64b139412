import { sql, type RawBuilder } from 'kysely';

/** An outbox row as read before publishing it: `attempts` is what a worker's release moves. */
export interface PublishedRowRead {
  id: string;
  attempts: number;
}

/**
 * `published_at` for rows just published: `at`, unless a worker released the row since it was
 * read (attempts moved). That release may have cleared published_at to ask for a republish (the
 * row's own message was acked); marking over it would leave the row PENDING with no message in
 * flight. Skipping the mark costs at most a duplicate publish, which the worker shrugs off.
 * `read` must not be empty.
 */
export function publishedAtUnlessReleased(read: readonly PublishedRowRead[], at: Date): RawBuilder<Date | null> {
  const unchanged = sql.join(read.map((r) => sql`(${r.id}::bigint, ${r.attempts}::integer)`));
  return sql<Date | null>`CASE WHEN (id, attempts) IN (${unchanged}) THEN ${at}::timestamptz ELSE published_at END`;
}
