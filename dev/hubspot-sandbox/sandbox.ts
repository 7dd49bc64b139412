/** Starts a sandbox in-process: what tests and the local stack call. */
import type { AddressInfo } from 'node:net';
import { createControlClient } from './control-client.js';
import type { ControlClient } from './control-client.js';
import { resolveOptions } from './options.js';
import type { SandboxOptions } from './options.js';
import { createAutosave, loadState } from './persistence.js';
import type { Autosave } from './persistence.js';
import { createSandboxServer } from './server.js';
import { createState } from './state.js';

export interface RunningSandbox {
  /** Base URL for `new Client({ accessToken: token, basePath: url })`. */
  url: string;
  port: number;
  token: string;
  /** The read-scoped app's token (reads only). */
  readToken: string;
  developerApiKey: string;
  appId: number;
  portalId: number;
  clientSecret: string;
  control: ControlClient;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const resolved = resolveOptions(options);
  const state = createState(resolved);
  const { server, cancelWaits } = createSandboxServer(state);
  let autosave: Autosave | undefined;
  if (resolved.stateFile !== undefined) {
    loadState(state, resolved.stateFile);
    const saver = createAutosave(state, resolved.stateFile);
    // Every change arrives over HTTP (the API or the control API) with a method other than GET.
    server.on('request', (req, res) => {
      if (req.method !== 'GET') res.once('finish', () => saver.schedule());
    });
    autosave = saver;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${resolved.host}:${port}`;
  return {
    url,
    port,
    token: resolved.token,
    readToken: resolved.readToken,
    developerApiKey: resolved.developerApiKey,
    appId: resolved.webhooks.appId,
    portalId: resolved.webhooks.portalId,
    clientSecret: resolved.webhooks.clientSecret,
    control: createControlClient(url),
    close: async () => {
      state.dispatcher.close();
      cancelWaits();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      autosave?.flush();
    },
  };
}

export type { SandboxOptions } from './options.js';
