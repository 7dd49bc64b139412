import { inTransaction, type Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import { grantCustomerAccess } from '../auth/customer-scope.js';
import type { Principal } from '../auth/principal.js';
import { successBody } from '../http/envelope.js';
import { generateBan as defaultGenerateBan } from './ban.js';
import { applyUpdate, diffFields, initialFields, valuesForCreate, valuesOf } from './changes.js';
import { assertWarpMayWrite, effectiveMappings } from './field-ownership.js';
import { withoutHubspotLink } from './hubspot-link.js';
import { claimIdempotencyKey, requestHash, storeIdempotentResponse, type StoredResponse } from './idempotency.js';
import { insertOutboxRow, type OnOutboxCommitted } from '../outbox/outbox-writes.js';
import type { ListQuery } from './query-schemas.js';
import {
  customerIsVisible,
  findVisibleCustomer,
  insertCustomer,
  listVisibleCustomers,
  loadMappingRows,
  lockVisibleCustomer,
  updateCustomer,
} from './repository.js';
import type { CreateCustomerInput, UpdateCustomerInput } from './schemas.js';
import { customerEtag, customerView, ifMatchSatisfied, type CustomerRow } from './view.js';

export interface CustomerServiceDeps {
  db: Db;
  log: Logger;
  onOutboxCommitted?: OnOutboxCommitted;
  generateBan?: () => string;
  /** BAN draws per create before giving up (collisions are ~1 in 6.76e11 per existing customer). */
  banAttempts?: number;
}

/** Status, exact JSON text and ETag of a response carrying one Customer. */
export type CustomerResponse = StoredResponse;

const NOT_FOUND = () => new AppError('NOT_FOUND', 'Customer not found');

function customerResponse(status: number, row: CustomerRow): CustomerResponse {
  return { status, body: successBody(customerView(row)), etag: customerEtag(row) };
}

export function createCustomerService(deps: CustomerServiceDeps) {
  const drawBan = deps.generateBan ?? (() => defaultGenerateBan());
  const banAttempts = deps.banAttempts ?? 5;

  /** After commit: hand the outbox row to the publisher; failures are the relay's to retry. */
  async function outboxCommitted(outboxId: string, customerId: string): Promise<void> {
    if (!deps.onOutboxCommitted) return;
    try {
      await deps.onOutboxCommitted(outboxId, customerId);
    } catch (err) {
      deps.log.warn('onOutboxCommitted failed; the outbox relay will publish the row', { outboxId, customerId, err });
    }
  }

  async function insertWithFreshBan(tx: Parameters<typeof insertCustomer>[0], input: CreateCustomerInput, userId: string) {
    const values = valuesForCreate(input);
    for (let attempt = 0; attempt < banAttempts; attempt++) {
      const row = await insertCustomer(tx, values, drawBan(), userId);
      if (row) return row;
      deps.log.notice('BAN collision, drawing another', { attempt });
    }
    throw new AppError('CONFLICT', 'Could not allocate a unique BAN; retry the request');
  }

  return {
    async get(principal: Principal, by: { id: string } | { ban: string }): Promise<CustomerResponse> {
      const row = await findVisibleCustomer(deps.db, principal.customerScope, by);
      if (!row) throw NOT_FOUND();
      return customerResponse(200, row);
    },

    async list(principal: Principal, query: ListQuery) {
      const { rows, total } = await listVisibleCustomers(deps.db, principal.customerScope, query);
      return {
        items: rows.map(customerView),
        pagination: { page: query.page, per_page: query.per_page, total, total_pages: Math.ceil(total / query.per_page) },
      };
    },

    /**
     * Creates a customer and its CREATE outbox row in one transaction. A scoped creator is
     * granted the new customer in the same transaction: Gatekeeper let it POST, and a 201 for a
     * customer its creator then gets 404 for would leave the portal nothing to open.
     * With an Idempotency-Key, a retry (same user, key and body) gets the first response.
     */
    async create(principal: Principal, sent: CreateCustomerInput, rawBody: unknown, idempotencyKey?: string) {
      // A new customer has no HubSpot link yet: any value would be an attempt to set it.
      const input = { ...sent, external_ids: withoutHubspotLink(sent.external_ids, null) };
      const claim = idempotencyKey ? { userId: principal.userId, key: idempotencyKey, hash: requestHash(rawBody) } : undefined;
      const result = await inTransaction(deps.db, async (tx) => {
        const replay = claim ? await claimIdempotencyKey(tx, claim) : undefined;
        if (replay) return { response: replay, replayed: true as const };
        const row = await insertWithFreshBan(tx, input, principal.userId);
        if (principal.customerScope.kind === 'GRANTED') {
          await grantCustomerAccess(tx, { userId: principal.userId, customerId: row.id, grantedBy: 'customer-api:create' });
        }
        const { ban, current_balance, prepaid_balance } = row;
        const changes = initialFields({ ban, ...valuesOf(row), current_balance, prepaid_balance });
        const outboxId = await insertOutboxRow(tx, { customerId: row.id, operation: 'CREATE', changes, userId: principal.userId });
        const response = customerResponse(201, row);
        if (claim) await storeIdempotentResponse(tx, claim, row.id, response);
        return { response, replayed: false as const, outboxId, customerId: row.id };
      });
      if (!result.replayed) await outboxCommitted(result.outboxId, result.customerId);
      return result.response;
    },

    /**
     * Partial update under a row lock: If-Match checked against the current
     * version, HubSpot-owned fields refused, and, only when something changed,
     * version bumped plus one UPDATE outbox row, all in one transaction.
     */
    async update(principal: Principal, id: string, patch: UpdateCustomerInput, ifMatch?: string) {
      const result = await inTransaction(deps.db, async (tx) => {
        const current = await lockVisibleCustomer(tx, principal.customerScope, id);
        if (!current) throw NOT_FOUND();
        if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, customerEtag(current))) {
          throw new AppError('PRECONDITION_FAILED', 'The customer was changed since it was read (If-Match does not match)', {
            etag: customerEtag(current),
          });
        }
        const before = valuesOf(current);
        const after = applyUpdate(before, { ...patch, external_ids: withoutHubspotLink(patch.external_ids, current.hubspot_company_id) });
        const changes = diffFields(before, after);
        if (changes.fields.length === 0) return { row: current };
        assertWarpMayWrite(changes.fields, effectiveMappings(await loadMappingRows(tx, id)));
        const row = await updateCustomer(tx, id, after, principal.userId);
        const outboxId = await insertOutboxRow(tx, { customerId: id, operation: 'UPDATE', changes, userId: principal.userId });
        return { row, outboxId };
      });
      if (result.outboxId) await outboxCommitted(result.outboxId, id);
      return customerResponse(200, result.row);
    },

    /** Trunks and DIDs live in another system for now: empty for a visible customer. */
    async listEmptyRelation(principal: Principal, id: string): Promise<unknown[]> {
      if (!(await customerIsVisible(deps.db, principal.customerScope, id))) throw NOT_FOUND();
      return [];
    },

    /** Readiness: the database answers. */
    async ping(): Promise<void> {
      await deps.db.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
