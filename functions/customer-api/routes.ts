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
import { CUSTOMER_EXAMPLE, customerPageSchema, customerViewSchema } from '../../shared/customers/view-schema.js';

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

/** The customer id of a /customers/:id route, checked. */
export const customerIdOf = (ctx: RouteContext) => parseOrThrow(customerIdParams, ctx.params, 'path parameter').id;

export function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sendCustomer(res: Response, response: CustomerResponse): void {
  sendJsonText(res, response.status, response.body, { ETag: response.etag });
}

const customerDoc = { description: 'The customer', data: customerViewSchema, example: CUSTOMER_EXAMPLE, headers: ['ETag'] } as const;

/** The contract's endpoints (paths relative to the optional /v1 prefix) plus health checks. */
export function customerRoutes(service: CustomerService): Route<RouteHandler>[] {
  return [
    {
      method: 'GET',
      pattern: '/health',
      handler: {
        public: true,
        doc: {
          operationId: 'getHealth',
          summary: 'Liveness: the function answers',
          tag: 'health',
          responses: { 200: { description: 'Alive', data: z.object({ status: z.literal('ok') }), example: { status: 'ok' } } },
          errors: [],
        },
        run: async ({ res }) => sendData(res, 200, { status: 'ok' }),
      },
    },
    {
      method: 'GET',
      pattern: '/ready',
      handler: {
        public: true,
        doc: {
          operationId: 'getReadiness',
          summary: 'Readiness: the database answers',
          tag: 'health',
          responses: { 200: { description: 'Ready', data: z.object({ status: z.literal('ready') }), example: { status: 'ready' } } },
          errors: ['SERVICE_UNAVAILABLE'],
        },
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
        doc: {
          operationId: 'listCustomers',
          summary: 'The customers the caller may see, paged, optionally searched and filtered by status',
          tag: 'customers',
          query: listQuerySchema,
          responses: { 200: { description: 'One page of customers', data: customerPageSchema } },
          errors: ['VALIDATION_FAILED'],
        },
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
        doc: {
          operationId: 'createCustomer',
          summary: 'Create a customer (BAN generated); the same Idempotency-Key returns the same customer',
          tag: 'customers',
          headers: z.object({ 'Idempotency-Key': idempotencyKeyHeader }),
          body: createCustomerSchema,
          responses: {
            201: { description: 'The created customer', data: customerViewSchema, example: CUSTOMER_EXAMPLE, headers: ['ETag'] },
            200: { description: 'Replay of an earlier create with the same Idempotency-Key', data: customerViewSchema, headers: ['ETag'] },
          },
          errors: ['VALIDATION_FAILED', 'FIELD_OWNED_BY_HUBSPOT', 'IDEMPOTENCY_KEY_REUSED'],
        },
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
        doc: {
          operationId: 'getCustomerByBan',
          summary: 'One customer by its BAN',
          tag: 'customers',
          params: banParams,
          responses: { 200: customerDoc },
          errors: ['NOT_FOUND'],
        },
        async run(ctx) {
          const { ban } = parseOrThrow(banParams, ctx.params, 'path parameter');
          sendCustomer(ctx.res, await service.get(ctx.principal, { ban }));
        },
      },
    },
    {
      method: 'GET',
      pattern: '/customers/:id',
      handler: {
        doc: {
          operationId: 'getCustomer',
          summary: 'One customer by id',
          tag: 'customers',
          params: customerIdParams,
          responses: { 200: customerDoc },
          errors: ['NOT_FOUND'],
        },
        run: async (ctx) => sendCustomer(ctx.res, await service.get(ctx.principal, { id: customerIdOf(ctx) })),
      },
    },
    {
      method: 'PUT',
      pattern: '/customers/:id',
      handler: {
        doc: {
          operationId: 'updateCustomer',
          summary: 'Partial update; with If-Match, refused when the customer changed since it was read',
          tag: 'customers',
          params: customerIdParams,
          headers: z.object({ 'If-Match': z.string().optional() }),
          body: updateCustomerSchema,
          responses: { 200: { ...customerDoc, description: 'The updated customer' } },
          errors: ['NOT_FOUND', 'FIELD_OWNED_BY_HUBSPOT', 'PRECONDITION_FAILED'],
        },
        async run(ctx) {
          const id = customerIdOf(ctx);
          const patch = parseOrThrow(updateCustomerSchema, readJsonBody(ctx.req), 'customer update');
          sendCustomer(ctx.res, await service.update(ctx.principal, id, patch, header(ctx.req, 'if-match')));
        },
      },
    },
    ...(['trunks', 'dids'] as const).map((relation): Route<RouteHandler> => ({
      method: 'GET',
      pattern: `/customers/:id/${relation}`,
      handler: {
        doc: {
          operationId: relation === 'trunks' ? 'listCustomerTrunks' : 'listCustomerDids',
          summary: `The customer's ${relation === 'trunks' ? 'trunks' : 'DIDs'} (always empty: they live in another system)`,
          tag: 'customers',
          params: customerIdParams,
          responses: { 200: { description: `The customer's ${relation}`, data: z.array(z.unknown()).max(0), example: [] } },
          errors: ['NOT_FOUND'],
        },
        run: async (ctx) => sendData(ctx.res, 200, await service.listEmptyRelation(ctx.principal, customerIdOf(ctx))),
      },
    })),
  ];
}
