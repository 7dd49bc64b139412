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

/**
 * Method + path matching, first route wins. A path that matches no pattern is 404;
 * a path some route serves with another method is 405 (details.allow lists them).
 */
export function createRouter<H>(routes: readonly Route<H>[]): (method: string, path: string) => RouteMatch<H> {
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
      throw new AppError('METHOD_NOT_ALLOWED', `${method} is not allowed on this path`, { allow: [...new Set(allow)] });
    }
    throw new AppError('NOT_FOUND', 'No such endpoint');
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
