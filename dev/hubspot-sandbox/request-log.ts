/**
 * Every HubSpot-path call the sandbox answered, so tests can assert "no
 * HubSpot call was made" or "never more than N calls in any 10 s window".
 */
export interface LoggedRequest {
  seq: number;
  at: number;
  method: string;
  path: string;
  query: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
  /** Set when the answer came from fault injection rather than the API. */
  fault?: string;
}

export interface RequestCounters {
  total: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  reset(): void {
    this.entries = [];
  }

  add(entry: Omit<LoggedRequest, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...entry });
  }

  list(): readonly LoggedRequest[] {
    return this.entries;
  }

  counters(): RequestCounters {
    const byStatus: Record<string, number> = {};
    const byRoute: Record<string, number> = {};
    for (const e of this.entries) {
      byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
      const route = `${e.method} ${routeOf(e.path)}`;
      byRoute[route] = (byRoute[route] ?? 0) + 1;
    }
    return { total: this.entries.length, byStatus, byRoute };
  }

  /** The most requests that arrived within any window of `windowMs` (sliding over arrival times). */
  maxInWindow(windowMs: number): number {
    // Entries are logged when answered, so concurrent calls may be out of arrival order.
    const times = this.entries.map((e) => e.at).sort((a, b) => a - b);
    let max = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      const endAt = times[end] ?? 0;
      while ((times[start] ?? endAt) <= endAt - windowMs) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }
}

/** Numeric ids become `{id}` so counters group calls by endpoint. */
function routeOf(path: string): string {
  return path.replace(/\/\d+(?=\/|$)/g, '/{id}');
}
