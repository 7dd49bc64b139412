/**
 * The one module the deployed package's `main` points at. Every Cloud Function is built from the
 * same source; each instance loads only the entry module of its own target (FUNCTION_TARGET, set
 * by the platform), so one function's start-up config (e.g. the customer API's JWT secret) is
 * never required by another, and cold starts do not pay for code the instance never runs.
 */
export const ENTRY_POINTS = {
  customerApi: () => import('./customer-api/index.js'),
  hubspotWebhook: () => import('./hubspot-webhook/index.js'),
  fieldSync: () => import('./field-sync/index.js'),
  outboxRelay: () => import('./outbox-relay/index.js'),
  hubspotInbound: () => import('./hubspot-inbound/index.js'),
  reconcile: () => import('./reconcile/index.js'),
} as const satisfies Record<string, () => Promise<unknown>>;

export type EntryPointName = keyof typeof ENTRY_POINTS;

function isEntryPoint(name: string): name is EntryPointName {
  return Object.hasOwn(ENTRY_POINTS, name);
}

/** The target the Functions Framework serves: FUNCTION_TARGET, else a `--target` flag (local runs). */
export function resolveTarget(env: NodeJS.ProcessEnv, argv: readonly string[]): string | undefined {
  if (env.FUNCTION_TARGET) return env.FUNCTION_TARGET;
  const index = argv.findIndex((arg) => arg === '--target' || arg.startsWith('--target='));
  if (index < 0) return undefined;
  const arg = argv[index]!;
  return arg === '--target' ? argv[index + 1] : arg.slice('--target='.length);
}

/** Imports the entry module that registers `target`; an unknown target fails start-up loudly. */
export async function loadEntryPoint(target: string | undefined): Promise<EntryPointName> {
  if (!target || !isEntryPoint(target)) {
    throw new Error(`Unknown function target "${target ?? ''}": expected one of ${Object.keys(ENTRY_POINTS).join(', ')}`);
  }
  await ENTRY_POINTS[target]();
  return target;
}

await loadEntryPoint(resolveTarget(process.env, process.argv));
