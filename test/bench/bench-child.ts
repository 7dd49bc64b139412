/**
 * A bench's helper process, driven over IPC one request at a time: the child answers each request
 * with `{ ok: true, value }` or `{ ok: false, error }`, and first says it is ready.
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const replySchema = z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: z.string() })]);

export interface BenchChild {
  /** What the child said when it was ready. */
  ready: unknown;
  ask(request: object): Promise<unknown>;
  /** The child's resident memory, from /proc (Linux). */
  rssMb(): Promise<number>;
  close(): Promise<void>;
}

export async function forkBenchChild(modulePath: string, nodeFlags: readonly string[] = []): Promise<BenchChild> {
  const execArgv = [...nodeFlags, '--import', 'tsx'];
  const child = fork(modulePath, ['--bench-child'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`bench child ${modulePath} exited (${code ?? signal})`))),
  );
  exited.catch(() => undefined);
  const nextMessage = () => Promise.race([new Promise<unknown>((resolve) => child.once('message', resolve)), exited]);
  const ready = await nextMessage();
  return {
    ready,
    async ask(request) {
      const reply = nextMessage();
      child.send(request);
      const answer = replySchema.parse(await reply);
      if (!answer.ok) throw new Error(`bench child ${modulePath} failed: ${answer.error}`);
      return answer.value;
    },
    async rssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

/** True in a process forkBenchChild started. */
export const isBenchChild = () => process.argv.includes('--bench-child');

/** The child's side: says `ready`, answers each request with `handle`, and stops when the parent goes. */
export function serveBenchParent(ready: unknown, handle: (request: unknown) => Promise<unknown>, stop: () => Promise<void>): void {
  process.on('message', (request) => {
    handle(request).then(
      (value) => process.send!({ ok: true, value: value ?? null }),
      (err: unknown) => process.send!({ ok: false, error: String((err as Error).stack ?? err) }),
    );
  });
  process.on('disconnect', () => void stop().then(() => process.exit(0)));
  process.send!(ready);
}
