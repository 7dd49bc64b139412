import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { customerApiRoutes } from '../../../functions/customer-api/app.js';
import { API_INFO } from '../../../functions/customer-api/openapi.js';
import { openApiDocumentText } from '../../../functions/customer-api/openapi-file.js';
import { openApiPath } from '../../../shared/http/openapi/build-openapi-document.js';

const unused = {} as never;
const { routes, document } = customerApiRoutes(unused, { db: unused, log: unused });

describe('the OpenAPI document', () => {
  it('is committed as generated: run `npm run openapi` after changing a route or schema', () => {
    const committed = readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(openApiDocumentText());
  });

  it('has exactly the operations the router knows', () => {
    const routed = routes.map((r) => `${r.method} ${openApiPath(API_INFO.pathPrefix, r.pattern)}`).sort();
    const documented = Object.entries(document.paths ?? {})
      .flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(routed);
  });

  it('declares bearer JWT and leaves only the public routes open', () => {
    expect(document.components?.securitySchemes?.bearerJwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const open = routes
      .filter((r) => r.handler.public)
      .map((r) => r.pattern)
      .sort();
    expect(open).toEqual(['/health', '/openapi.json', '/ready']);
  });
});

describe('the response validator the integration suites use', () => {
  const id = '3f2b9c1e-8d7a-4b6c-9e5f-0a1b2c3d4e5f';

  it('refuses a body, a status or a route the document does not describe', async () => {
    const { assertDocumentedResponse } = await import('../../support/openapi-validator.js');
    expect(() => assertDocumentedResponse('GET', `/v1/customers/${id}`, 200, { success: true, data: { id } })).toThrow(/does not match/);
    expect(() => assertDocumentedResponse('GET', `/v1/customers/${id}`, 418, undefined)).toThrow(/status not in the document/);
    expect(() => assertDocumentedResponse('GET', '/v1/nowhere', 404, { oops: true })).toThrow(/undocumented route/);
    expect(() => assertDocumentedResponse('GET', '/health', 200, { success: true, data: { status: 'ok' } })).not.toThrow();
  });
});
