/**
 * npm run dead-letters -- list --subscription <topic>-dead-letter-inspect [--max N]
 * npm run dead-letters -- replay --subscription <topic>-dead-letter-inspect [--max N] [--by <who>]
 *
 * Looks at dead-lettered messages without consuming them, or republishes them to their topic with
 * their ordering key and attributes, acking each batch only after Pub/Sub accepted it. Pub/Sub is
 * the emulator at PUBSUB_EMULATOR_HOST, else GOOGLE_CLOUD_PROJECT's, else the local stack's
 * emulator. A replay is recorded in the sync log (DATABASE_URL, else the local stack's database).
 */
import { PubSub } from '@google-cloud/pubsub';
import { z } from 'zod';
import { createLogger } from '../shared/logging/logger.js';
import { deadLetterSubscriptionSchema, listDeadLetters } from '../shared/pubsub/dead-letters.js';
import { replayDeadLettersFor } from '../shared/pubsub/dead-letters-replay.js';
import { actor, byOption, isEntryPoint, parseCommand, processIo, runCli, table, withDatabase, type CliIo } from './sync-admin-cli.js';

const USAGE = `usage:
  npm run dead-letters -- list --subscription <topic>-dead-letter-inspect [--max N]
  npm run dead-letters -- replay --subscription <topic>-dead-letter-inspect [--max N] [--by <who>]`;

const LOCAL_EMULATOR = '127.0.0.1:8085';
const OPTIONS = { subscription: { type: 'string' }, max: { type: 'string' }, by: { type: 'string' } } as const;

const maxOption = z
  .string()
  .regex(/^\d{1,4}$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1).max(1000))
  .default(100);

const argsSchema = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('list'), subscription: deadLetterSubscriptionSchema, max: maxOption }),
  z.strictObject({ command: z.literal('replay'), subscription: deadLetterSubscriptionSchema, max: maxOption, by: byOption.optional() }),
]);

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCli(io, USAGE, async () => {
    const args = parseCommand(argv, OPTIONS, ['list', 'replay'], argsSchema);
    const pubsub = pubsubFor(io);
    try {
      if (args.command === 'list') {
        const letters = await listDeadLetters(pubsub, args.subscription, args.max);
        if (letters.length === 0) return io.out(`No dead letters on ${args.subscription}.`);
        for (const line of table(
          ['message id', 'published', 'ordering key', 'attributes', 'data'],
          letters.map((l) => [
            l.messageId,
            l.publishTime ?? '-',
            l.orderingKey ?? '-',
            JSON.stringify(l.attributes),
            JSON.stringify(l.data),
          ]),
        )) {
          io.out(line);
        }
        return io.out(`${letters.length} shown; they stay on ${args.subscription} until replayed.`);
      }
      await withDatabase(io, 'warp-dead-letters-cli', async (db) => {
        const log = createLogger({ level: 'WARNING' });
        const result = await replayDeadLettersFor({ db, pubsub, log }, args.subscription, args.max, actor(io, args.by));
        io.out(`${result.replayed} dead letters republished to ${result.topic} and acked on ${result.subscription}.`);
      });
    } finally {
      await pubsub.close();
    }
  });
}

function pubsubFor(io: CliIo): PubSub {
  const { PUBSUB_EMULATOR_HOST: emulator, GOOGLE_CLOUD_PROJECT: project } = io.env;
  if (emulator || !project) {
    if (!emulator) io.err(`PUBSUB_EMULATOR_HOST and GOOGLE_CLOUD_PROJECT are not set: using the local stack's emulator ${LOCAL_EMULATOR}`);
    return new PubSub({ projectId: project ?? 'warp-local', apiEndpoint: emulator ?? LOCAL_EMULATOR });
  }
  return new PubSub({ projectId: project });
}

if (isEntryPoint(import.meta.url)) process.exit(await main(process.argv.slice(2)));
