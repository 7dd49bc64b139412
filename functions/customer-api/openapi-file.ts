import type { Db } from '../../shared/db/database.js';
import type { CustomerService } from '../../shared/customers/service.js';
import type { Logger } from '../../shared/logging/logger.js';
import { customerApiRoutes } from './app.js';
import { openApiText } from './openapi.js';

/**
 * The document's text without a database: building the routes only reads their docs, and
 * no handler runs, so the dependencies are never touched.
 */
export function openApiDocumentText(): string {
  const unused = {} as never;
  const { document } = customerApiRoutes(unused as CustomerService, { db: unused as Db, log: unused as Logger });
  return openApiText(document);
}
