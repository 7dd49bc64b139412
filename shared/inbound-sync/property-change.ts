import type { CompanyRecord } from '../hubspot/client/hubspot-companies.js';
import { loadFieldStates, saveFieldStates } from '../sync-store/field-state-repository.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import { applyWarpWrites } from '../sync-store/sync-customer-repository.js';
import { isStaleHubspotEvent, restoresBuriedEdits } from '../sync/decide-field.js';
import type { FieldMapping } from '../sync/field-mapping.js';
import { transformFor, type Canonical } from '../sync/transforms.js';
import type { JsonObject } from '../sync/json-path.js';
import { planCustomerSync, type FieldPlanEntry } from '../sync/plan-customer.js';
import { ignored, processed, type EventOutcome } from './event-outcome.js';
import { logForEvent, requestResync, type EventLogEntry, type InboundContext } from './inbound-context.js';
import { lockCustomersLinkedTo } from './linked-customers.js';
import { isOwnChange, unknownCompanyChange } from './unlinked-company.js';
import { advanceHubspotChangedAt, lastWarpChangeOfCustomer } from './warp-field-change.js';

/**
 * `company.propertyChange`: the engine's per-field decision with the event's value and time
 * against the field's base and WARP's current value. The planner is run over the one mapped
 * field, so the result has exactly the shape the outbound worker stores (bases, conflicts).
 * - pull (HUBSPOT_TO_WARP, BIDIRECTIONAL): customer row, field state, sync log and a born-done
 *   HUBSPOT outbox row, all in this transaction;
 * - push (WARP owns the field, or WARP's value wins): a RESYNC outbox row for the outbound worker;
 * - MANUAL: an open conflict, nothing written;
 * - equal (our own write echoed, or both sides already agree): nothing written.
 * `company`: the company read from HubSpot when no customer is linked to it (unknownCompanyChange).
 */
export async function applyPropertyChange(ctx: InboundContext, company: CompanyRecord | null | undefined): Promise<EventOutcome> {
  const { tx, event, occurredAt } = ctx;
  const companyId = String(event.objectId);
  const property = event.propertyName ?? '';
  const [customer] = await lockCustomersLinkedTo(tx, [companyId]);
  if (!customer) return unknownCompanyChange(ctx, company);
  if (customer.hubspot_link_status === 'DELETED') return ignored('LINK_DELETED', 'the link to this company is marked deleted');
  if (customer.hubspot_link_status === 'DETACHED') return ignored('LINK_DETACHED', 'the customer is being unlinked from this company');

  const effective = (await loadEffectiveMappings(tx, [customer.id])).get(customer.id);
  if (!effective?.ok) {
    const error = effective?.error ?? 'no mapping';
    await logForEvent(ctx, [
      {
        customerId: customer.id,
        companyId,
        direction: 'HUBSPOT_TO_WARP',
        operation: 'PULL',
        status: 'FAILED',
        errorCode: 'INVALID_MAPPING',
        errorMessage: error,
      },
    ]);
    ctx.log.error('inbound change not applied: the customer mapping is invalid', { customerId: customer.id, error });
    return ignored('INVALID_MAPPING', error);
  }
  const mapping = effective.mappings.find((m) => m.hubspotProperty === property);
  if (!mapping || mapping.direction === 'NONE' || mapping.enabled === false) return ignored('UNMAPPED_PROPERTY', property);

  const state = (await loadFieldStates(tx, [customer.id])).get(customer.id)?.[mapping.warpField];
  const eventField = {
    customerId: customer.id,
    companyId,
    fields: { [mapping.warpField]: { hubspotProperty: property, value: event.propertyValue ?? null } },
  };
  // After the field was re-pointed to another property, the stored time is the old property's.
  const lastKnown = state?.hubspotProperty === property ? state.hubspotChangedAt : null;
  if (isStaleHubspotEvent(lastKnown, occurredAt)) {
    // A person's edit that a later write of ours buried arrives as stale too: unless it holds the
    // agreed value, the outbound worker weighs it against HubSpot's history.
    const mayBeBuried = !isOwnChange(event) && restoresBuriedEdits(mapping) && !isAgreedValue(mapping, state?.base, event.propertyValue);
    const outboxId = mayBeBuried ? await requestResync(ctx, customer.id, [mapping.warpField]) : undefined;
    ctx.log.info('stale HubSpot event ignored', { customerId: customer.id, property, occurredAt, lastKnown, resyncRequested: mayBeBuried });
    await logForEvent(ctx, [
      {
        ...eventField,
        direction: 'HUBSPOT_TO_WARP',
        operation: 'PULL',
        status: 'SKIPPED',
        errorCode: 'STALE_EVENT',
        errorMessage: `older than the last known change (${lastKnown?.toISOString()})`,
        outboxId,
      },
    ]);
    return ignored('STALE_EVENT', `${property} changed at ${occurredAt.toISOString()}, last known change ${lastKnown?.toISOString()}`);
  }

  const plan = planCustomerSync({
    mappings: [mapping],
    warp: {
      customer: customer as unknown as JsonObject,
      changedAt: { [mapping.warpField]: await lastWarpChangeOfCustomer(tx, customer.id, mapping.warpField, state?.warpChangedAt) },
    },
    hubspot: {
      properties: { [property]: event.propertyValue ?? null },
      changedAt: { [property]: occurredAt },
      writtenByUs: new Set(isOwnChange(event) ? [property] : []),
    },
    fieldStates: state ? { [mapping.warpField]: state } : {},
  });
  const planError = plan.errors[0];
  if (planError) {
    await logForEvent(ctx, [
      {
        ...eventField,
        direction: 'NONE',
        operation: 'READ_VALUE',
        status: 'FAILED',
        errorCode: planError.error.code,
        errorMessage: `${planError.side}: ${planError.error.message}`,
      },
    ]);
    return ignored('INVALID_VALUE', `${planError.side} value of ${mapping.warpField}: ${planError.error.message}`);
  }
  const entry = plan.decisions[0]!;
  const { decision } = entry;
  const own = isOwnChange(event);
  const logEntry = (e: Pick<EventLogEntry, 'direction' | 'operation' | 'status' | 'errorCode' | 'outboxId'>): EventLogEntry => ({
    customerId: customer.id,
    companyId,
    fields: fieldChange(entry),
    ...e,
  });

  switch (decision.action) {
    case 'PULL_TO_WARP': {
      const outboxId = await applyWarpWrites(tx, customer, plan.warpWrites, ctx.now);
      await saveFieldStates(
        tx,
        customer.id,
        plan,
        { warpChangedAt: { [mapping.warpField]: ctx.now }, hubspotChangedAt: { [property]: occurredAt } },
        ctx.now,
      );
      await logForEvent(ctx, [
        logEntry({ direction: 'HUBSPOT_TO_WARP', operation: 'PULL', status: 'SUCCESS', outboxId: outboxId ?? undefined }),
      ]);
      ctx.log.info('HubSpot change applied to WARP', { customerId: customer.id, field: mapping.warpField, reason: decision.reason });
      break;
    }
    case 'PUSH_TO_HUBSPOT': {
      await advanceHubspotChangedAt(tx, customer.id, mapping.warpField, occurredAt);
      if (own) {
        // Our own write, overtaken by a newer WARP change that has its own outbox row.
        await logForEvent(ctx, [logEntry({ direction: 'NONE', operation: 'ECHO', status: 'SKIPPED', errorCode: 'OWN_WRITE' })]);
        break;
      }
      const outboxId = await requestResync(ctx, customer.id, [mapping.warpField]);
      await logForEvent(ctx, [logEntry({ direction: 'WARP_TO_HUBSPOT', operation: 'RESYNC_REQUESTED', status: 'SUCCESS', outboxId })]);
      ctx.log.info('HubSpot change overruled: WARP value goes back to HubSpot', {
        customerId: customer.id,
        field: mapping.warpField,
        reason: decision.reason,
      });
      break;
    }
    case 'OPEN_CONFLICT': {
      await saveFieldStates(tx, customer.id, plan, { warpChangedAt: {}, hubspotChangedAt: {} }, ctx.now);
      await advanceHubspotChangedAt(tx, customer.id, mapping.warpField, occurredAt);
      await logForEvent(ctx, [logEntry({ direction: 'NONE', operation: 'CONFLICT', status: 'CONFLICT', errorCode: 'MANUAL_CONFLICT' })]);
      ctx.log.warn('field conflict opened: a person must choose the value', { customerId: customer.id, field: mapping.warpField });
      break;
    }
    case 'IN_SYNC':
    case 'SKIP': {
      // Nothing to write; a first agreement (or a conflict both sides resolved) becomes the base.
      await saveFieldStates(tx, customer.id, plan, { warpChangedAt: {}, hubspotChangedAt: { [property]: occurredAt } }, ctx.now);
      await advanceHubspotChangedAt(tx, customer.id, mapping.warpField, occurredAt);
      const code = decision.action === 'SKIP' ? decision.reason : own ? 'OWN_WRITE' : 'IN_SYNC';
      await logForEvent(ctx, [logEntry({ direction: 'NONE', operation: own ? 'ECHO' : 'IN_SYNC', status: 'SKIPPED', errorCode: code })]);
      break;
    }
  }
  return processed();
}

function isAgreedValue(mapping: FieldMapping, base: Canonical | undefined, hubspotValue: string | null | undefined): boolean {
  const read = transformFor(mapping.transform).fromHubspot(hubspotValue ?? null);
  return read.ok && base !== undefined && read.value === base;
}

function fieldChange(entry: FieldPlanEntry) {
  const { decision } = entry;
  return {
    [entry.warpField]: {
      hubspotProperty: entry.hubspotProperty,
      warp: entry.warpValue,
      hubspot: entry.hubspotValue,
      base: entry.base ?? null,
      ...('value' in decision ? { new: decision.value } : {}),
      ...('reason' in decision ? { reason: decision.reason } : {}),
    },
  };
}
