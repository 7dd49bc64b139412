import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocumentText } from '../../functions/customer-api/openapi-file.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

const doc = JSON.parse(openApiDocumentText()) as Doc;
// Non-strict: the document carries OpenAPI keywords (example) that are not JSON Schema.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const compiled = new Map<string, ValidateFunction>();

const templates = Object.keys(doc.paths).map((path) => ({
  path,
  regex: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  literal: !path.includes('{'),
}));

function validatorFor(key: string, schema: object): ValidateFunction {
  const cached = compiled.get(key);
  if (cached) return cached;
  // `#/components/...` refs resolve against the root the schema is compiled in.
  const fn = ajv.compile({ ...schema, components: doc.components });
  compiled.set(key, fn);
  return fn;
}

/**
 * Throws unless `body` is what the document promises for this operation and status. A
 * request no route matches must still get the error envelope.
 */
export function assertDocumentedResponse(method: string, url: string, status: number, body: unknown): void {
  // CORS preflights are answered before routing; they are not operations.
  if (method.toUpperCase() === 'OPTIONS') return;
  const pathname = new URL(url, 'http://x').pathname;
  const path = pathname === '/v1' || pathname.startsWith('/v1/') ? pathname : `/v1${pathname}`;
  // A literal path (/customers/by-ban/...) wins over a template that also matches.
  const matches = templates.filter((t) => t.regex.test(path) && doc.paths[t.path]?.[method.toLowerCase()]);
  const template = matches.find((t) => t.literal) ?? matches.sort((a, b) => b.path.length - a.path.length)[0];
  const where = `${method} ${pathname} ${status}`;
  if (!template) {
    const envelope = validatorFor('ErrorEnvelope', { $ref: '#/components/schemas/ErrorEnvelope' });
    if (!envelope(body)) throw new Error(`${where}: undocumented route and not an error envelope: ${ajv.errorsText(envelope.errors)}`);
    return;
  }
  const response = doc.paths[template.path]![method.toLowerCase()]!.responses[String(status)];
  if (!response) throw new Error(`${where}: status not in the document for ${method} ${template.path}`);
  const schema = response.content?.['application/json']?.schema;
  if (!schema) {
    if (body !== undefined) throw new Error(`${where}: the document promises no body`);
    return;
  }
  const validate = validatorFor(`${method} ${template.path} ${status}`, schema);
  if (!validate(body)) throw new Error(`${where}: body does not match the document: ${ajv.errorsText(validate.errors)}`);
}
