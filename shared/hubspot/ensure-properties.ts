/**
 * Makes a HubSpot portal hold the `warp` property group and every WARP
 * company property, creating what is missing and aligning what drifted.
 * Idempotent: a second run finds everything and writes nothing.
 */
import type { Client } from '@hubspot/api-client';
import type { Property, PropertyCreate, PropertyUpdate } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { Logger } from '../logging/logger.js';
import { WARP_COMPANY_PROPERTIES, WARP_PROPERTY_GROUP } from './company-properties.js';

export interface EnsurePropertiesResult {
  created: string[];
  found: string[];
  updated: string[];
}

const OBJECT_TYPE = 'companies';

export async function ensureCompanyProperties(client: Client, log: Pick<Logger, 'info' | 'warn'>): Promise<EnsurePropertiesResult> {
  const result: EnsurePropertiesResult = { created: [], found: [], updated: [] };
  const groupLabel = `group:${WARP_PROPERTY_GROUP.name}`;

  const groups = await client.crm.properties.groupsApi.getAll(OBJECT_TYPE);
  if (groups.results.some((group) => group.name === WARP_PROPERTY_GROUP.name)) {
    result.found.push(groupLabel);
  } else {
    await client.crm.properties.groupsApi.create(OBJECT_TYPE, WARP_PROPERTY_GROUP);
    result.created.push(groupLabel);
    log.info('hubspot property group created', { group: WARP_PROPERTY_GROUP.name });
  }

  // One listing instead of one GET per property keeps the run cheap on the rate limit.
  const existing = new Map((await client.crm.properties.coreApi.getAll(OBJECT_TYPE)).results.map((p) => [p.name, p]));
  for (const wanted of WARP_COMPANY_PROPERTIES) {
    const current = existing.get(wanted.name);
    if (!current) {
      await client.crm.properties.coreApi.create(OBJECT_TYPE, wanted);
      result.created.push(wanted.name);
      log.info('hubspot property created', { property: wanted.name });
      continue;
    }
    if (Boolean(current.hasUniqueValue) !== Boolean(wanted.hasUniqueValue)) {
      // HubSpot cannot change uniqueness after creation; a person has to fix the portal.
      log.warn('hubspot property uniqueness differs and cannot be changed by the API', { property: wanted.name });
    }
    const patch = driftPatch(current, wanted);
    if (patch) {
      await client.crm.properties.coreApi.update(OBJECT_TYPE, wanted.name, patch);
      result.updated.push(wanted.name);
      log.info('hubspot property updated', { property: wanted.name, fields: Object.keys(patch) });
    } else {
      result.found.push(wanted.name);
    }
  }
  return result;
}

/** The fields to send so `current` matches `wanted`, or undefined when nothing drifted. */
function driftPatch(current: Property, wanted: PropertyCreate): PropertyUpdate | undefined {
  const patch: PropertyUpdate = {};
  if (current.label !== wanted.label) patch.label = wanted.label;
  if ((current.description ?? '') !== (wanted.description ?? '')) patch.description = wanted.description;
  if (current.groupName !== wanted.groupName) patch.groupName = wanted.groupName;
  if (current.type !== wanted.type || current.fieldType !== wanted.fieldType) {
    patch.type = wanted.type as unknown as PropertyUpdate['type'];
    patch.fieldType = wanted.fieldType as unknown as PropertyUpdate['fieldType'];
  }
  const wantedValues = (wanted.options ?? []).map((o) => o.value);
  const currentValues = new Set(current.options.map((o) => o.value));
  if (wantedValues.some((value) => !currentValues.has(value))) {
    // Keep options someone added in HubSpot; only add the ones the sync needs.
    const kept = current.options.filter((o) => !wantedValues.includes(o.value));
    patch.options = [...(wanted.options ?? []), ...kept];
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}
