/** The most timestamps within any window of `windowMs` (a half-open (t - windowMs, t] slide). */
export function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    const endAt = sorted[end]!;
    while (sorted[start]! <= endAt - windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}
