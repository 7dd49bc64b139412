/** The sandbox's routes (`:name` segments), matched by the functions' own router (shared/http/router.ts). */
import { createRouter, type HttpMethod, type Route } from '../../shared/http/router.js';

export interface RouteResult {
  status: number;
  body?: unknown;
}

export type Handler<C> = (ctx: C, params: Record<string, string>) => RouteResult | Promise<RouteResult>;

export type RouteMatch<C> = { handler: Handler<C>; params: Record<string, string> } | 'METHOD_NOT_ALLOWED' | undefined;

export class Router<C> {
  private readonly routes: Route<Handler<C>>[] = [];
  private matcher: ReturnType<typeof createRouter<Handler<C>>> | undefined;

  on(method: HttpMethod, pattern: string, handler: Handler<C>): this {
    this.routes.push({ method, pattern, handler });
    this.matcher = undefined;
    return this;
  }

  /** First match in registration order, so literal routes go before `:param` ones. */
  match(method: string, path: string): RouteMatch<C> {
    this.matcher ??= createRouter(this.routes);
    const found = this.matcher(method, path);
    if (found.handler !== undefined) return found;
    return found.error.code === 'METHOD_NOT_ALLOWED' ? 'METHOD_NOT_ALLOWED' : undefined;
  }
}
