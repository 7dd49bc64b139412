import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CODES } from '../../errors/app-error.js';
import type { ResponseDoc, RouteDoc } from '../route-doc.js';
import type { Route } from '../router.js';
import { errorCodesOf, errorEnvelopeSchema, errorResponses } from './error-responses.js';

// registry.register names schemas through `.openapi()`, which this adds to zod's prototype.
extendZodWithOpenApi(z);

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export type DocumentedRoute = Route<{ public?: boolean; doc?: RouteDoc }>;

export interface ApiInfo {
  title: string;
  version: string;
  description: string;
  /** Prepended to every route pattern, e.g. `/v1`. */
  pathPrefix: string;
  tags: Record<RouteDoc['tag'], string>;
}

const BEARER = 'bearerJwt';

const RESPONSE_HEADERS: Record<string, string> = {
  ETag: 'Strong validator of the returned representation; send it back in If-Match to write',
};

/** `/customers/:id` as an OpenAPI path template: `/customers/{id}`. */
export function openApiPath(prefix: string, pattern: string): string {
  return prefix + pattern.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/**
 * The OpenAPI 3.1 document of `routes`, from the zod schemas their docs name. Success
 * bodies are wrapped in the envelope; every route gets the error responses it can give.
 * Throws on a route without a doc, a duplicate operationId or path parameters that do
 * not match the pattern: a document that cannot be trusted is not served.
 */
export function buildOpenApiDocument(routes: readonly DocumentedRoute[], info: ApiInfo): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token of the admin portal; Gatekeeper checks its user type against the path',
  });
  registry.register('ErrorEnvelope', errorEnvelopeSchema(ERROR_CODES));
  const operationIds = new Set<string>();
  for (const route of routes) {
    const { doc } = route.handler;
    if (!doc) throw new Error(`${route.method} ${route.pattern} has no doc`);
    if (operationIds.has(doc.operationId)) throw new Error(`operationId ${doc.operationId} is used twice`);
    operationIds.add(doc.operationId);
    registry.registerPath(operationOf(route, doc, info.pathPrefix));
  }
  return new OpenApiGeneratorV31(registry.definitions, { sortComponents: 'alphabetically' }).generateDocument({
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    security: [{ [BEARER]: [] }],
    tags: Object.entries(info.tags).map(([name, description]) => ({ name, description })),
  });
}

function operationOf(route: DocumentedRoute, doc: RouteDoc, prefix: string): RouteConfig {
  assertParamsMatch(route, doc);
  const isPublic = route.handler.public === true;
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: openApiPath(prefix, route.pattern),
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    ...(isPublic ? { security: [] } : {}),
    request: {
      ...(doc.params ? { params: doc.params } : {}),
      ...(doc.query ? { query: doc.query } : {}),
      ...(doc.headers ? { headers: doc.headers } : {}),
      ...(doc.body
        ? { body: { required: true, content: { 'application/json': { schema: doc.body, ...exampleOf(doc.bodyExample) } } } }
        : {}),
    },
    responses: {
      ...Object.fromEntries(Object.entries(doc.responses).map(([status, response]) => [status, successResponse(response)])),
      ...errorResponses(errorCodesOf(doc, isPublic)),
    },
  };
}

function successResponse(response: ResponseDoc): ResponseConfig {
  const wrapped = response.envelope !== false;
  return {
    description: response.description,
    ...(response.headers ? { headers: Object.fromEntries(response.headers.map((name) => [name, responseHeader(name)])) } : {}),
    ...(response.data
      ? {
          content: {
            'application/json': {
              schema: wrapped ? z.object({ success: z.literal(true), data: response.data }) : response.data,
              ...exampleOf(wrapped && response.example !== undefined ? { success: true, data: response.example } : response.example),
            },
          },
        }
      : {}),
  };
}

function responseHeader(name: string) {
  const description = RESPONSE_HEADERS[name];
  if (!description) throw new Error(`response header ${name} has no description in RESPONSE_HEADERS`);
  return { description, required: true, schema: { type: 'string' as const } };
}

function exampleOf(example: unknown): { example?: unknown } {
  return example === undefined ? {} : { example };
}

function assertParamsMatch(route: DocumentedRoute, doc: RouteDoc): void {
  const inPattern = [...route.pattern.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).sort();
  const documented = Object.keys(doc.params?.shape ?? {}).sort();
  if (inPattern.join() !== documented.join()) {
    throw new Error(`${route.method} ${route.pattern}: params documented as [${documented.join(', ')}]`);
  }
}
