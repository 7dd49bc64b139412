import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudEvent, http, type CloudEventFunction, type HttpFunction } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { installFrameworkHooksOn, type FrameworkHooks } from '../../shared/http/framework-errors.js';

export interface ServedFunction {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** As the deployed entry point hooks it, so even a first malformed body gets our envelope; null: unhooked. */
  hooks: FrameworkHooks | null;
  /** 0 (the default): any free port. */
  port?: number;
  host?: string;
}

/**
 * An HTTP function on functions-framework's own Express stack (getTestServer builds it with the
 * same getServer() as the deployed main.js: raw body, parsers), registered under a fresh name so
 * one process can serve several, listening on loopback.
 */
export function serveHttpFunction(handle: HttpFunction, options: ServeOptions): Promise<ServedFunction> {
  return serveRegistered((name) => http(name, handle), options);
}

/**
 * A CloudEvent function on functions-framework's stack, as a Pub/Sub push subscription reaches the
 * deployed one: the framework turns the push body into the `messagePublished` CloudEvent, answers
 * 2xx when the handler returns and 500 when it throws.
 */
export function serveCloudEventFunction<T>(handle: CloudEventFunction<T>, options: Omit<ServeOptions, 'hooks'>): Promise<ServedFunction> {
  return serveRegistered((name) => cloudEvent(name, handle), { ...options, hooks: null });
}

async function serveRegistered(register: (name: string) => void, options: ServeOptions): Promise<ServedFunction> {
  const name = `fn_${randomBytes(6).toString('hex')}`;
  register(name);
  const server = getTestServer(name);
  if (options.hooks) installFrameworkHooksOn(server, options.hooks);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
