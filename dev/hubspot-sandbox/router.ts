/** A small method + path-pattern router (`:name` segments) for node:http. */
export interface RouteResult {
  status: number;
  body?: unknown;
}

export type Handler<C> = (ctx: C, params: Record<string, string>) => RouteResult | Promise<RouteResult>;

interface Route<C> {
  method: string;
  segments: string[];
  handler: Handler<C>;
}

export type RouteMatch<C> = { handler: Handler<C>; params: Record<string, string> } | 'METHOD_NOT_ALLOWED' | undefined;

export class Router<C> {
  private routes: Route<C>[] = [];

  on(method: string, pattern: string, handler: Handler<C>): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** First match in registration order, so literal routes go before `:param` ones. */
  match(method: string, path: string): RouteMatch<C> {
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      pathMatched = true;
    }
    return pathMatched ? 'METHOD_NOT_ALLOWED' : undefined;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    const part = parts[i] ?? '';
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(part);
    else if (segment !== part) return undefined;
  }
  return params;
}
