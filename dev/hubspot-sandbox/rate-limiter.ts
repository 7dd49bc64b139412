/**
 * HubSpot's private-app limits: a rolling 10-second window for API calls,
 * 5 per second for CRM search (which has its own budget and no headers), and
 * an optional daily count that resets at midnight (UTC here; the account's
 * zone in HubSpot).
 */
import type { RateLimitPolicy } from './hubspot-error.js';

export interface RateLimitOptions {
  tenSecondLimit: number;
  searchPerSecond: number;
  dailyLimit?: number;
}

export type RateDecision =
  { allowed: true; headers: Record<string, string> } | { allowed: false; policy: RateLimitPolicy; headers: Record<string, string> };

const TEN_SECONDS = 10_000;
const ONE_SECOND = 1_000;
const DAY = 86_400_000;

export class RateLimiter {
  private api: number[] = [];
  private search: number[] = [];
  private dailyCount = 0;
  private day = -1;

  constructor(
    public options: RateLimitOptions,
    private readonly now: () => number,
  ) {}

  reset(): void {
    this.api = [];
    this.search = [];
    this.dailyCount = 0;
  }

  /** Counts the call when it is allowed; refused calls do not use up budget. */
  take(kind: 'api' | 'search'): RateDecision {
    const now = this.now();
    this.rollDay(now);
    const isSearch = kind === 'search';
    const window = isSearch ? ONE_SECOND : TEN_SECONDS;
    const limit = isSearch ? this.options.searchPerSecond : this.options.tenSecondLimit;
    const stamps = prune(isSearch ? this.search : this.api, now - window);
    if (isSearch) this.search = stamps;
    else this.api = stamps;

    const daily = this.options.dailyLimit;
    if (daily !== undefined && this.dailyCount >= daily) {
      return { allowed: false, policy: 'DAILY', headers: isSearch ? {} : this.headers(limit, stamps.length) };
    }
    if (stamps.length >= limit) {
      return {
        allowed: false,
        policy: isSearch ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING',
        headers: isSearch ? {} : this.headers(limit, stamps.length),
      };
    }
    stamps.push(now);
    this.dailyCount++;
    return { allowed: true, headers: isSearch ? {} : this.headers(limit, stamps.length) };
  }

  private headers(limit: number, used: number): Record<string, string> {
    const headers: Record<string, string> = {
      'x-hubspot-ratelimit-max': String(limit),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-hubspot-ratelimit-interval-milliseconds': String(TEN_SECONDS),
    };
    const daily = this.options.dailyLimit;
    if (daily !== undefined) {
      headers['x-hubspot-ratelimit-daily'] = String(daily);
      headers['x-hubspot-ratelimit-daily-remaining'] = String(Math.max(0, daily - this.dailyCount));
    }
    return headers;
  }

  private rollDay(now: number): void {
    const day = Math.floor(now / DAY);
    if (day !== this.day) {
      this.day = day;
      this.dailyCount = 0;
    }
  }
}

function prune(stamps: number[], after: number): number[] {
  const firstKept = stamps.findIndex((t) => t > after);
  return firstKept === -1 ? [] : firstKept === 0 ? stamps : stamps.slice(firstKept);
}
