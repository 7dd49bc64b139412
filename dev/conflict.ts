/**
 * npm run conflict -- list [--customer <uuid>]
 * npm run conflict -- resolve --customer <uuid> --field <warpField> --take warp|hubspot [--by <who>]
 *
 * Lists open MANUAL conflicts and settles one: the chosen side's value is carried to the other by
 * the field-sync worker (a RESYNC is queued and published), and the field stays MANUAL.
 */
import { z } from 'zod';
import type { Db } from '../shared/db/database.js';
import { listOpenConflicts, resolveConflict } from '../shared/sync-admin/conflict-resolution.js';
import {
  actor,
  byOption,
  customerOption,
  describeResync,
  fieldOption,
  isEntryPoint,
  parseCommand,
  processIo,
  runCli,
  shown,
  table,
  when,
  withDatabase,
  withPublishing,
  type CliIo,
} from './sync-admin-cli.js';

const USAGE = `usage:
  npm run conflict -- list [--customer <uuid>]
  npm run conflict -- resolve --customer <uuid> --field <warpField> --take warp|hubspot [--by <who>]`;

const OPTIONS = { customer: { type: 'string' }, field: { type: 'string' }, take: { type: 'string' }, by: { type: 'string' } } as const;

const argsSchema = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('list'), customer: customerOption.optional() }),
  z.strictObject({
    command: z.literal('resolve'),
    customer: customerOption,
    field: fieldOption,
    take: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(['WARP', 'HUBSPOT'], 'must be warp or hubspot')),
    by: byOption.optional(),
  }),
]);

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCli(io, USAGE, async () => {
    const args = parseCommand(argv, OPTIONS, ['list', 'resolve'], argsSchema);
    await withDatabase(io, 'warp-conflict-cli', async (db) => {
      if (args.command === 'list') return list(db, io, args.customer);
      await withPublishing(io, async (publishing) => {
        const resolved = await resolveConflict(
          db,
          { customerId: args.customer, warpField: args.field, take: args.take, by: actor(io, args.by) },
          { publishing },
        );
        const other = resolved.take === 'WARP' ? 'HubSpot' : 'WARP';
        io.out(
          `Conflict on ${resolved.warpField} of customer ${resolved.customerId} resolved: ${resolved.take} wins with ` +
            `${shown(resolved.value)}; ${other} (${resolved.hubspotProperty}) gets it when the worker runs the resync.`,
        );
        io.out(describeResync(resolved.resync));
      });
    });
  });
}

async function list(db: Db, io: CliIo, customerId: string | undefined): Promise<void> {
  const conflicts = await listOpenConflicts(db, customerId);
  if (conflicts.length === 0) return io.out('No open conflicts.');
  const rows = conflicts.map((c) => [
    c.customerId,
    c.ban,
    c.warpField,
    `${shown(c.warpValue)} @ ${when(c.warpChangedAt)}`,
    `${shown(c.hubspotValue)} @ ${when(c.hubspotChangedAt)}`,
    when(c.openedAt),
  ]);
  for (const line of table(['customer', 'ban', 'field', 'WARP value', 'HubSpot value', 'opened'], rows)) io.out(line);
}

if (isEntryPoint(import.meta.url)) process.exit(await main(process.argv.slice(2)));
