/**
 * /health one request after another on a kept-alive socket, in a worker thread: the load
 * generator's own busy loop must not be counted as the server's stall. Each sample is posted
 * as { endedAt (epoch ms), ms }; the thread stops when the parent posts 'stop'.
 */
import { Worker } from 'node:worker_threads';

export interface HealthSample {
  endedAt: number;
  ms: number;
}

// Plain JavaScript: a worker thread does not inherit tsx's loader on Node 20.
const POLLER = `
const { Agent, request } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const now = () => performance.timeOrigin + performance.now();
let sampling = true;
parentPort.once('message', () => (sampling = false));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
(async () => {
  while (sampling) {
    const startedAt = now();
    await new Promise((resolve) => request(workerData.url + '/health', { agent }, (res) => res.resume().on('end', resolve)).end());
    const endedAt = now();
    parentPort.postMessage({ endedAt, ms: endedAt - startedAt });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  agent.destroy();
  parentPort.close();
})();
`;

/** Starts the poller on `url`; `onSample` sees every answer time. */
export function startHealthPoller(url: string, onSample: (sample: HealthSample) => void): { stop: () => Promise<void> } {
  const worker = new Worker(POLLER, { eval: true, workerData: { url } });
  worker.on('message', onSample);
  return {
    async stop() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
    },
  };
}
