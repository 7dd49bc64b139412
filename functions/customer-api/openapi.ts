import { z } from 'zod';
import { sendJsonText } from '../../shared/http/envelope.js';
import { buildOpenApiDocument, type ApiInfo, type OpenApiDocument } from '../../shared/http/openapi/build-openapi-document.js';
import type { Route } from '../../shared/http/router.js';
import type { RouteHandler } from './routes.js';

export const API_INFO: ApiInfo = {
  title: 'WARP Sync customer API',
  version: '1.0.0',
  description:
    'Customer records of the WARP admin portal and the operations API of ' +
    'the WARP/HubSpot sync. Every route also answers without the /v1 prefix.',
  pathPrefix: '/v1',
  tags: {
    health: 'Liveness and readiness, without credentials',
    customers: 'Customer records',
    sync: 'Sync operations: status, conflicts, mappings, resyncs, reconciliation, failures',
    documentation: 'This document',
  },
};

/** The document as served and committed: two-space indentation, trailing newline. */
export function openApiText(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * `routes` plus `GET /openapi.json`, whose document covers all of them and itself. Built
 * eagerly so a route without a valid doc fails at startup, not on the first request.
 */
export function withOpenApiRoute(routes: readonly Route<RouteHandler>[]): { routes: Route<RouteHandler>[]; document: OpenApiDocument } {
  const holder: { text?: string } = {};
  const docRoute: Route<RouteHandler> = {
    method: 'GET',
    pattern: '/openapi.json',
    handler: {
      public: true,
      doc: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI 3.1 document',
        tag: 'documentation',
        responses: {
          200: { description: 'The OpenAPI document', data: z.record(z.string(), z.unknown()), envelope: false },
        },
        errors: [],
      },
      run: async ({ res }) => sendJsonText(res, 200, holder.text ?? ''),
    },
  };
  const all = [...routes, docRoute];
  const document = buildOpenApiDocument(all, API_INFO);
  holder.text = openApiText(document);
  return { routes: all, document };
}
