/**
 * HubSpot's daily allowance resets at midnight in the account's time zone (a portal setting; its
 * 429 names no reset time). A spent allowance parks every instance until then: probing earlier
 * only spends 429s.
 */

/** Zones Intl knows (IANA names such as America/New_York, or UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A reset seen a little early by our clock would be answered 429 again. */
export const DAILY_RESET_MARGIN_MS = 60_000;

const MINUTE_MS = 60_000;
/** Every zone's next day starts within this, whatever its offset and DST. */
const SEARCH_MINUTES = 48 * 60;

/**
 * The first instant after `nowMs` in the next local day of `timeZone`: its midnight, or where DST
 * skips midnight, the moment the clock jumps past it. Midnights and DST changes fall on whole
 * minutes in every zone, so a binary search over minutes finds it in a dozen steps.
 */
export function nextDailyReset(nowMs: number, timeZone: string): number {
  const format = formatterFor(timeZone);
  const today = localDate(nowMs, format);
  let low = Math.floor(nowMs / MINUTE_MS); // still today
  let high = low + SEARCH_MINUTES; // surely the next day or later
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (localDate(mid * MINUTE_MS, format) > today) high = mid;
    else low = mid;
  }
  return high * MINUTE_MS;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The local calendar date as a comparable number (yyyymmdd). */
function localDate(ms: number, format: Intl.DateTimeFormat): number {
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, Number(p.value)]));
  return parts.year! * 10_000 + parts.month! * 100 + parts.day!;
}
