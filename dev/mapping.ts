/**
 * npm run mapping -- show [--customer <uuid>]
 * npm run mapping -- set [--customer <uuid>] --field <warpField> [--property <p>] [--direction D] [--rule R]
 *                        [--transform '<json>'] [--enabled true|false] [--by <who>]
 * npm run mapping -- unset --customer <uuid> --field <warpField> [--by <who>]
 *
 * Shows and edits `hubspot_sync_config`. `set` changes only the options given: the rest are taken
 * from the field's current mapping (global, or the customer's effective one). Every save is
 * validated like the worker validates on load; a refused save writes nothing (exit code 2).
 */
import { z } from 'zod';
import { CONFLICT_RULES, DIRECTIONS, transformSpecSchema, type FieldMapping } from '../shared/sync/field-mapping.js';
import {
  removeCustomerOverride,
  setCustomerOverride,
  setGlobalMapping,
  showMappings,
  type MappingView,
} from '../shared/sync-admin/mapping-admin.js';
import type { ResyncPublishing } from '../shared/sync-admin/operator-resync.js';
import { AppError } from '../shared/errors/app-error.js';
import type { Db } from '../shared/db/database.js';
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
  table,
  UsageError,
  withDatabase,
  withPublishing,
  type CliIo,
} from './sync-admin-cli.js';

const USAGE = `usage:
  npm run mapping -- show [--customer <uuid>]
  npm run mapping -- set [--customer <uuid>] --field <warpField> [--property <hubspot property>]
                         [--direction ${DIRECTIONS.join('|')}] [--rule ${CONFLICT_RULES.join('|')}]
                         [--transform '<json>'] [--enabled true|false] [--by <who>]
  npm run mapping -- unset --customer <uuid> --field <warpField> [--by <who>]`;

const OPTIONS = {
  customer: { type: 'string' },
  field: { type: 'string' },
  property: { type: 'string' },
  direction: { type: 'string' },
  rule: { type: 'string' },
  transform: { type: 'string' },
  enabled: { type: 'string' },
  by: { type: 'string' },
} as const;

const upperCaseEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(values));

const transformJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be JSON, e.g. '{"name":"text"}'` });
      return z.NEVER;
    }
  })
  .pipe(transformSpecSchema);

const setArgs = z.strictObject({
  command: z.literal('set'),
  customer: customerOption.optional(),
  field: fieldOption,
  property: z.string().min(1).optional(),
  direction: upperCaseEnum(DIRECTIONS).optional(),
  rule: upperCaseEnum(CONFLICT_RULES).optional(),
  transform: transformJson.optional(),
  enabled: z
    .enum(['true', 'false'], 'must be true or false')
    .transform((v) => v === 'true')
    .optional(),
  by: byOption.optional(),
});

const argsSchema = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('show'), customer: customerOption.optional() }),
  setArgs,
  z.strictObject({ command: z.literal('unset'), customer: customerOption, field: fieldOption, by: byOption.optional() }),
]);

type SetArgs = z.output<typeof setArgs>;

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCli(io, USAGE, async () => {
    const args = parseCommand(argv, OPTIONS, ['show', 'set', 'unset'], argsSchema);
    await withDatabase(io, 'warp-mapping-cli', async (db) => {
      if (args.command === 'show') return show(db, io, args.customer);
      if (args.command === 'set') return withPublishing(io, (publishing) => set(db, io, args, publishing));
      return withPublishing(io, async (publishing) => {
        const removed = await removeCustomerOverride(db, args.customer, args.field, actor(io, args.by), { publishing });
        io.out(`Override of ${args.field} for customer ${args.customer} removed: it follows the global mapping again.`);
        io.out(removed.resync ? describeResync(removed.resync) : 'Its effective mapping did not change: no resync needed.');
      });
    });
  });
}

async function show(db: Db, io: CliIo, customerId: string | undefined): Promise<void> {
  const mappings = await showMappings(db, customerId);
  io.out(customerId ? `Effective mapping of customer ${customerId} (OVERRIDE rows are its own):` : 'Global mapping:');
  const rows = mappings.map((m) => [
    m.warpField,
    m.hubspotProperty,
    m.direction,
    m.conflictRule,
    JSON.stringify(m.transform),
    String(m.enabled),
    m.source,
    `${m.updatedAt.toISOString()} ${m.updatedBy ?? ''}`.trim(),
  ]);
  for (const line of table(['field', 'property', 'direction', 'rule', 'transform', 'enabled', 'source', 'updated'], rows)) io.out(line);
}

async function set(db: Db, io: CliIo, args: SetArgs, publishing: ResyncPublishing | undefined): Promise<void> {
  // Read outside the save's transaction: the save itself re-validates against what is stored then.
  const current = (await showMappings(db, args.customer)).find((m) => m.warpField === args.field);
  const by = actor(io, args.by);
  if (args.customer === undefined) {
    const saved = await setGlobalMapping(db, merged(args, current), by);
    io.out(`Global mapping of ${args.field} saved: ${summary(saved.mapping)}.`);
    if (saved.droppedFieldStates > 0) {
      io.out(
        `It now maps to another HubSpot property: ${saved.droppedFieldStates} customers' agreed ` +
          `values were dropped, so its next sync is a first sync (an empty side is filled).`,
      );
    }
    if (saved.followUp)
      io.out(
        `Each customer follows at its next sync. To bring every customer in line now, run a full reconciliation:\n  ${saved.followUp}`,
      );
    else io.out('Nothing changed.');
    return;
  }
  if (!current) throw new AppError('NOT_FOUND', `${args.field} has no global mapping: map it globally first (set without --customer)`);
  const saved = await setCustomerOverride(db, args.customer, merged(args, current), by, { publishing });
  io.out(`Override of ${args.field} for customer ${args.customer} saved: ${summary(saved.mapping)}.`);
  io.out(saved.resync ? describeResync(saved.resync) : 'Its effective mapping did not change: no resync needed.');
}

/** The options given, over the field's current mapping; a new global field needs them all. */
function merged(args: SetArgs, current: MappingView | undefined): FieldMapping {
  if (current) {
    return {
      warpField: current.warpField,
      hubspotProperty: args.property ?? current.hubspotProperty,
      direction: args.direction ?? current.direction,
      conflictRule: args.rule ?? current.conflictRule,
      transform: args.transform ?? current.transform,
      enabled: args.enabled ?? current.enabled,
    };
  }
  const { property, direction, rule, transform } = args;
  if (property === undefined || direction === undefined || rule === undefined || transform === undefined) {
    const missing = Object.entries({ property, direction, rule, transform }).filter(([, v]) => v === undefined);
    throw new UsageError(`${args.field} has no global mapping yet: also give ${missing.map(([k]) => `--${k}`).join(', ')}`);
  }
  return { warpField: args.field, hubspotProperty: property, direction, conflictRule: rule, transform, enabled: args.enabled };
}

const summary = (m: FieldMapping): string =>
  `${m.hubspotProperty}, ${m.direction}, ${m.conflictRule}, transform ` +
  `${JSON.stringify(m.transform)}${m.enabled === false ? ', disabled' : ''}`;

if (isEntryPoint(import.meta.url)) process.exit(await main(process.argv.slice(2)));
