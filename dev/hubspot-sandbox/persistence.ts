/**
 * Keeps a sandbox's HubSpot state (companies with their history, the id
 * counter, properties, webhook subscriptions) in one JSON file, so a
 * restarted local stack talks to the same "portal" its persistent database
 * remembers and never hands out a company id twice.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SandboxState } from './state.js';

const historyEntry = z.object({ value: z.string(), timestamp: z.string(), sourceType: z.string(), sourceId: z.string() });

const companyRecord = z.object({
  id: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  archived: z.boolean(),
  archivedAt: z.number().optional(),
  mergedInto: z.string().optional(),
  values: z.array(z.tuple([z.string(), z.string()])),
  history: z.array(z.tuple([z.string(), z.array(historyEntry)])),
});

const propertyOption = z.object({
  label: z.string(),
  value: z.string(),
  hidden: z.boolean(),
  displayOrder: z.number().optional(),
  description: z.string().optional(),
});

const propertyDefinition = z.object({
  name: z.string(),
  label: z.string(),
  type: z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']),
  fieldType: z.string(),
  description: z.string(),
  groupName: z.string(),
  options: z.array(propertyOption),
  displayOrder: z.number(),
  hasUniqueValue: z.boolean(),
  hidden: z.boolean(),
  formField: z.boolean(),
  calculated: z.boolean(),
  externalOptions: z.boolean(),
  hubspotDefined: z.boolean(),
  readOnlyValue: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
  archivedAt: z.string().optional(),
});

const subscription = z.object({
  id: z.number().int(),
  eventType: z.string(),
  propertyName: z.string().optional(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const snapshotFile = z.object({
  version: z.literal(1),
  companies: z.object({ nextId: z.number().int(), records: z.array(companyRecord) }),
  registry: z.object({
    properties: z.array(propertyDefinition),
    groups: z.array(z.object({ name: z.string(), label: z.string(), displayOrder: z.number(), archived: z.boolean() })),
  }),
  subscriptions: z.object({
    nextId: z.number().int(),
    subscriptions: z.array(subscription),
    settings: z.object({
      targetUrl: z.string().optional(),
      maxConcurrentRequests: z.number().int(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  }),
});

type SnapshotFile = z.infer<typeof snapshotFile>;

/** A missing file is a first start: the state stays as created. */
export function loadState(state: SandboxState, file: string): void {
  if (!existsSync(file)) return;
  const parsed = snapshotFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a sandbox state file (delete it to start empty): ${parsed.error.message}`);
  const snapshot = parsed.data;
  state.registry.load(snapshot.registry);
  state.store.load(snapshot.companies);
  state.subscriptions.load(snapshot.subscriptions);
}

/** Atomic (write + rename) so a killed stack never leaves half a file. */
export function saveState(state: SandboxState, file: string): void {
  const snapshot: SnapshotFile = {
    version: 1,
    companies: state.store.snapshot(),
    registry: state.registry.snapshot(),
    subscriptions: state.subscriptions.snapshot(),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
  renameSync(`${file}.tmp`, file);
}

export interface Autosave {
  /** Call after a change: the save follows `delayMs` later, once for a burst of changes. */
  schedule(): void;
  /** Saves now if a save is pending. */
  flush(): void;
}

export function createAutosave(state: SandboxState, file: string, delayMs = 100): Autosave {
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    saveState(state, file);
  };
  return {
    schedule() {
      if (timer !== undefined) return;
      // unref: a pending save must not keep the process alive; close() flushes it.
      timer = setTimeout(() => {
        try {
          flush();
        } catch (err) {
          process.stderr.write(`hubspot-sandbox: saving ${file} failed: ${String(err)}\n`);
        }
      }, delayMs).unref();
    },
    flush,
  };
}
