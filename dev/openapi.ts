// Writes docs/openapi.json from the routes' docs; `npm run openapi`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocumentText } from '../functions/customer-api/openapi-file.js';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
writeFileSync(target, openApiDocumentText());
console.log(`wrote ${target}`);
