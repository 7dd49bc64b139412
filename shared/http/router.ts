import { AppError } from '../errors/app-error.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route<H> {
  method: HttpMethod;
  /** Segments; `:name` captures one segment, e.g. `/customers/:id/trunks`. */
  pattern: string;
  handler: H;
}

export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
}

/** No route for the request: 404 NOT_FOUND, or 405 METHOD_NOT_ALLOWED (details.allow lists the methods). */
export interface RouteMiss {
  handler?: undefined;
  error: AppError;
}

/**
 * Method + path matching, first route wins. A miss is returned, not thrown, so the
 * caller decides when to reveal it (the customer API only after authentication).
 */
export function createRouter<H>(routes: readonly Route<H>[]): (method: string, path: string) => RouteMatch<H> | RouteMiss {
  const compiled = routes.map((route) => ({ route, segments: split(route.pattern) }));
  return (method, path) => {
    const segments = split(path);
    const allow: string[] = [];
    for (const { route, segments: pattern } of compiled) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      allow.push(route.method);
    }
    if (allow.length > 0) {
      return { error: new AppError('METHOD_NOT_ALLOWED', `${method} is not allowed on this path`, { allow: [...new Set(allow)] }) };
    }
    return { error: new AppError('NOT_FOUND', 'No such endpoint') };
  };
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = path[i]!;
    if (want.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(got);
      } catch {
        return undefined;
      }
      params[want.slice(1)] = value;
    } else if (want !== got) {
      return undefined;
    }
  }
  return params;
}
