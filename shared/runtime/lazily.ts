/**
 * Builds on first use and keeps the result for the instance's life. Concurrent callers share the
 * one build in flight; a failed build is forgotten, so the next call (request, event) tries again
 * instead of failing forever after a passing Secret Manager or database hiccup.
 */
export function lazily<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
