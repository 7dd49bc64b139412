/**
 * What `npm run mapping` and `npm run conflict` share: the database to use, the optional Pub/Sub
 * publisher for the RESYNC rows they enqueue, argument parsing (node:util parseArgs, then zod),
 * and exit codes: 0 done, 2 refused input (a message, never a stack trace), 1 anything else.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PubSub } from '@google-cloud/pubsub';
import { z } from 'zod';
import { createDb, type Db } from '../shared/db/database.js';
import { AppError } from '../shared/errors/app-error.js';
import { DEFAULT_OUTBOX_TOPIC } from '../shared/outbox/outbox-message.js';
import { createPubSubPublisher, type MessagePublisher } from '../shared/pubsub/publisher.js';
import type { OperatorResync, ResyncPublishing } from '../shared/sync-admin/operator-resync.js';

/** The local stack's embedded cluster (`npm start`): a loopback-only dev password, not a secret. */
export const LOCAL_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:5433/warp';
const PUBLISH_WAIT_MS = 10_000;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = { env: process.env, out: (line) => console.log(line), err: (line) => console.error(line) };

/** Options both commands take. */
export const customerOption = z.uuid('must be a customer id (uuid)');
export const fieldOption = z.string().min(1, 'must name a WARP field, e.g. legal_name or address.city');
export const byOption = z.string().trim().min(1, 'must name who makes the change').max(200);

/** Bad input: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export async function runCli(io: CliIo, usage: string, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n${usage}`);
      return 2;
    }
    // Refusals of the operation itself (invalid mapping, unknown customer, no open conflict).
    if (err instanceof AppError && err.status < 500) {
      io.err(err.message);
      return 2;
    }
    io.err(`failed: ${(err as Error).message}`);
    return 1;
  }
}

/**
 * `<command> --option value ...` checked by node:util parseArgs, then by `schema` (a union of one
 * strict object per command, `command` holding the command's name), so an option another
 * command takes is refused rather than ignored.
 */
export function parseCommand<T>(
  argv: readonly string[],
  options: ParseArgsConfig['options'],
  commands: readonly string[],
  schema: z.ZodType<T>,
): T {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [command, ...extra] = parsed.positionals;
  if (command === undefined || !commands.includes(command)) throw new UsageError(`expected a command: ${commands.join(', ')}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const result = schema.safeParse({ command, ...parsed.values });
  if (result.success) return result.data;
  throw new UsageError(
    result.error.issues
      .map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `${issue.keys.map((k) => `--${k}`).join(', ')} cannot be used with "${command}"`
          : `--${issue.path.join('.')}: ${issue.message}`,
      )
      .join('\n'),
  );
}

/** Opens the database (DATABASE_URL, else the local stack's), runs `fn`, closes it. */
export async function withDatabase<T>(io: CliIo, applicationName: string, fn: (db: Db) => Promise<T>): Promise<T> {
  let url = io.env.DATABASE_URL;
  if (!url) {
    url = LOCAL_DATABASE_URL;
    io.err(`DATABASE_URL is not set: using the local stack's database ${LOCAL_DATABASE_URL}`);
  }
  const db = createDb({ connectionString: url, maxConnections: 2, applicationName });
  try {
    return await fn(db);
  } catch (err) {
    const refusedLocally = !io.env.DATABASE_URL && (err as { code?: string }).code === 'ECONNREFUSED';
    throw refusedLocally ? new Error(`${(err as Error).message}: is the local stack running (npm start)?`) : err;
  } finally {
    await db.destroy();
  }
}

/**
 * Where RESYNC rows are published right after commit: the emulator (PUBSUB_EMULATOR_HOST) or the
 * project's Pub/Sub (GOOGLE_CLOUD_PROJECT), topic OUTBOX_TOPIC. Neither set: nowhere, the outbox
 * relay publishes them. Publishing is bounded, so an emulator that is down cannot hang the command.
 */
export async function withPublishing<T>(io: CliIo, fn: (publishing: ResyncPublishing | undefined) => Promise<T>): Promise<T> {
  const { PUBSUB_EMULATOR_HOST: emulator, GOOGLE_CLOUD_PROJECT: project } = io.env;
  if (!emulator && !project) return fn(undefined);
  const pubsub = new PubSub({ projectId: project ?? 'warp-local', ...(emulator ? { apiEndpoint: emulator } : {}) });
  const publisher = createPubSubPublisher(pubsub);
  const bounded: MessagePublisher = {
    publish: (topic, message, options) =>
      within(publisher.publish(topic, message, options), `Pub/Sub did not answer within ${PUBLISH_WAIT_MS / 1000} s`),
    close: () => publisher.close(),
  };
  try {
    return await fn({ publisher: bounded, topic: io.env.OUTBOX_TOPIC ?? DEFAULT_OUTBOX_TOPIC });
  } finally {
    await within(Promise.all([publisher.close(), pubsub.close()]), 'Pub/Sub close timed out').catch(() => undefined);
  }
}

function within<T>(promise: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), PUBLISH_WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function describeResync(resync: OperatorResync): string {
  return resync.published
    ? `RESYNC queued and published (outbox row ${resync.outboxId}); the field-sync worker applies it within seconds.`
    : `RESYNC queued (outbox row ${resync.outboxId}) but not published now (${resync.reason}); ` +
        'the outbox relay publishes it after its grace period (OUTBOX_RELAY_GRACE_MS, 30 s by default).';
}

/** Fixed-width columns for terminal tables. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export const shown = (value: string | null): string => (value === null ? '(empty)' : JSON.stringify(value));
export const when = (at: Date | null): string => (at === null ? '-' : at.toISOString());

/** Who an action is recorded as: --by, else the shell's user. */
export const actor = (io: CliIo, by: string | undefined): string => by ?? `cli:${io.env.USER ?? io.env.USERNAME ?? 'unknown'}`;

/** True when `moduleUrl` is the script node (or tsx) was started with, not a module imported by a test. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
