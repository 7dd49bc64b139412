import { z } from 'zod';
import { BILLING_CYCLES, CUSTOMER_STATUSES, CUSTOMER_TYPES } from '../sync/warp-fields.js';
import { BAN_PATTERN } from './query-schemas.js';

const freeObject = z.record(z.string(), z.unknown());
const channel = z.object({ enabled: z.boolean(), types: z.array(z.string()) });
const money = (description: string) => z.number().meta({ description: `${description}, dollars (exact NUMERIC(12,2))` });

export const CUSTOMER_EXAMPLE = {
  id: '3f2b9c1e-8d7a-4b6c-9e5f-0a1b2c3d4e5f',
  ban: 'AC-123456789',
  company_name: 'Acme Telecom',
  legal_name: 'Acme Telecom LLC',
  status: 'ACTIVE',
  customer_type: 'POSTPAID',
  contact: { name: 'Ops', email: 'ops@acme.example', phone: '+1 415 555 0100' },
  address: { line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
  services: {
    voice: { enabled: true, types: ['SIP'] },
    messaging: { enabled: false, types: [] },
    telecom_data: { enabled: false, types: [] },
  },
  external_ids: { hubspot_company_id: '18234567890' },
  credit_limit: 5000,
  current_balance: 0,
  prepaid_balance: 0,
  payment_terms: 30,
  billing_cycle: 'MONTHLY',
  currency: 'USD',
  version: 1,
  created_at: '2026-01-15T09:30:00.000Z',
  updated_at: '2026-01-15T09:30:00.000Z',
  created_by: '11111111-1111-4111-8111-111111111111',
};

/** The contract's Customer as customerView (view.ts) writes it; optional fields are absent, never null. */
export const customerViewSchema = z
  .object({
    id: z.guid(),
    ban: z.string().regex(BAN_PATTERN),
    company_name: z.string(),
    legal_name: z.string().optional(),
    status: z.enum(CUSTOMER_STATUSES),
    customer_type: z.enum(CUSTOMER_TYPES),
    contact: z.object({ name: z.string(), email: z.string(), phone: z.string() }),
    address: z.object({
      line1: z.string(),
      line2: z.string().optional(),
      city: z.string(),
      state: z.string(),
      zip: z.string(),
      country: z.string(),
    }),
    services: z.object({ voice: channel, messaging: channel, telecom_data: channel }),
    kyc_data: freeObject.optional(),
    business_info: freeObject.optional(),
    external_ids: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .meta({ description: '`hubspot_company_id` is the linked HubSpot company' }),
    custom_fields: freeObject.optional(),
    credit_limit: money('Credit limit').optional(),
    current_balance: money('Balance'),
    prepaid_balance: money('Prepaid balance'),
    payment_terms: z.number().int().meta({ description: 'Net days' }),
    billing_cycle: z.enum(BILLING_CYCLES),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .meta({ description: 'ISO 4217' }),
    version: z.number().int().meta({ description: 'Bumped by every write; part of the ETag' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    created_by: z.string().optional(),
    updated_by: z.string().optional(),
  })
  .meta({ id: 'Customer', example: CUSTOMER_EXAMPLE });

export const customerPageSchema = z
  .object({
    items: z.array(customerViewSchema),
    pagination: z.object({
      page: z.number().int(),
      per_page: z.number().int(),
      total: z.number().int(),
      total_pages: z.number().int(),
    }),
  })
  .meta({ id: 'CustomerPage' });
