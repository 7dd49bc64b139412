import type { Request, Response } from '@google-cloud/functions-framework';
import { z } from 'zod';
import type { Principal } from '../../shared/auth/principal.js';
import { AppError } from '../../shared/errors/app-error.js';
import { sendData, sendJsonText } from '../../shared/http/envelope.js';
import { readJsonBody } from '../../shared/http/json-body.js';
import type { Route } from '../../shared/http/router.js';
import type { RouteDoc } from '../../shared/http/route-doc.js';
import { banParams, customerIdParams, listQuerySchema } from '../../shared/customers/query-schemas.js';
import { createCustomerSchema, updateCustomerSchema } from '../../shared/customers/schemas.js';
import type { CustomerResponse, CustomerService } from '../../shared/customers/service.js';
import { parseOrThrow } from '../../shared/customers/validation.js';

export interface RouteContext {
  req: Request;
  res: Response;
  params: Record<string, string>;
  /** Set for routes that need a caller; public routes get none. */
  principal: Principal;
}

export interface RouteHandler {
  /** Health checks answer without credentials. */
  public?: boolean;
  doc?: RouteDoc;
  run(ctx: RouteContext): Promise<void>;
}

export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters')
  .optional();

export function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sendCustomer(res: Response, response: CustomerResponse): void {
  sendJsonText(res, response.status, response.body, { ETag: response.etag });
}

/** The contract's endpoints (paths relative to the optional /v1 prefix) plus health checks. */
export function customerRoutes(service: CustomerService): Route<RouteHandler>[] {
  const idOf = (ctx: RouteContext) => parseOrThrow(customerIdParams, ctx.params, 'path parameter').id;
  return [
    { method: 'GET', pattern: '/health', handler: { public: true, run: async ({ res }) => sendData(res, 200, { status: 'ok' }) } },
    {
      method: 'GET',
      pattern: '/ready',
      handler: {
        public: true,
        async run({ res }) {
          try {
            await service.ping();
          } catch (err) {
            throw new AppError('SERVICE_UNAVAILABLE', 'Database is not reachable', undefined, { cause: err });
          }
          sendData(res, 200, { status: 'ready' });
        },
      },
    },
    {
      method: 'GET',
      pattern: '/customers',
      handler: {
        async run({ req, res, principal }) {
          const query = parseOrThrow(listQuerySchema, req.query, 'query');
          sendData(res, 200, await service.list(principal, query));
        },
      },
    },
    {
      method: 'POST',
      pattern: '/customers',
      handler: {
        async run({ req, res, principal }) {
          const key = parseOrThrow(idempotencyKeyHeader, header(req, 'idempotency-key'), 'header', 'Idempotency-Key');
          const body = readJsonBody(req);
          const input = parseOrThrow(createCustomerSchema, body, 'customer');
          sendCustomer(res, await service.create(principal, input, body, key));
        },
      },
    },
    {
      method: 'GET',
      pattern: '/customers/by-ban/:ban',
      handler: {
        async run(ctx) {
          const { ban } = parseOrThrow(banParams, ctx.params, 'path parameter');
          sendCustomer(ctx.res, await service.get(ctx.principal, { ban }));
        },
      },
    },
    {
      method: 'GET',
      pattern: '/customers/:id',
      handler: { run: async (ctx) => sendCustomer(ctx.res, await service.get(ctx.principal, { id: idOf(ctx) })) },
    },
    {
      method: 'PUT',
      pattern: '/customers/:id',
      handler: {
        async run(ctx) {
          const id = idOf(ctx);
          const patch = parseOrThrow(updateCustomerSchema, readJsonBody(ctx.req), 'customer update');
          sendCustomer(ctx.res, await service.update(ctx.principal, id, patch, header(ctx.req, 'if-match')));
        },
      },
    },
    ...(['trunks', 'dids'] as const).map(
      (relation): Route<RouteHandler> => ({
        method: 'GET',
        pattern: `/customers/:id/${relation}`,
        handler: { run: async (ctx) => sendData(ctx.res, 200, await service.listEmptyRelation(ctx.principal, idOf(ctx))) },
      }),
    ),
  ];
}
