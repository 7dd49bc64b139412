import { z } from 'zod';
import { BILLING_CYCLES, CUSTOMER_STATUSES, CUSTOMER_TYPES } from '../sync/warp-fields.js';
import { storableString } from '../db/storable-text.js';
import { freeForm } from './free-form.js';
import { moneyInput } from './money.js';

const text = (max: number) => storableString().trim().min(1, 'must not be empty').max(max);
const optionalText = (max: number) => storableString().trim().max(max).nullable();
// freeForm checks every key and string inside, so the records below need only plain strings.
const freeObject = freeForm(z.record(z.string(), z.unknown()).nullable());

export const contactSchema = z.strictObject({
  name: text(255),
  email: z.email().max(320),
  phone: text(50),
});

export const addressSchema = z.strictObject({
  line1: text(255),
  line2: optionalText(255).optional(),
  city: text(100),
  state: text(100),
  zip: text(20),
  country: text(100),
});

const serviceSchema = z.strictObject({
  enabled: z.boolean(),
  types: z.array(text(50)).max(50),
});

export const servicesSchema = z.strictObject({
  voice: serviceSchema.optional(),
  messaging: serviceSchema.optional(),
  telecom_data: serviceSchema.optional(),
});

/**
 * `hubspot_company_id` may come back as the client read it; the service accepts it only
 * when it equals the stored link and never stores it here (see hubspot-link.ts).
 */
export const externalIdsSchema = freeForm(z.record(z.string().min(1).max(64), z.union([z.string().max(255), z.number()])));

/** Fields both requests share; each is optional here and made required below where needed. */
const writableFields = {
  company_name: text(255),
  legal_name: optionalText(255),
  status: z.enum(CUSTOMER_STATUSES),
  services: servicesSchema,
  kyc_data: freeObject,
  business_info: freeObject,
  external_ids: externalIdsSchema,
  custom_fields: freeObject,
  credit_limit: moneyInput.nullable(),
  payment_terms: z.number().int().min(0).max(365),
  billing_cycle: z.enum(BILLING_CYCLES),
};

/** POST body. `status` and `currency` are additions to the contract's list (defaults ACTIVE, USD). */
export const createCustomerSchema = z
  .strictObject(writableFields)
  .partial()
  .extend({
    company_name: writableFields.company_name,
    customer_type: z.enum(CUSTOMER_TYPES),
    contact: contactSchema,
    address: addressSchema,
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')
      .optional(),
  });

/**
 * PUT body: only the fields given change. `contact` and `address` are MERGED key by
 * key (a partial `{ "email": ... }` keeps name and phone; `line2: null` removes it);
 * `services` merges per channel; the free-form objects are replaced as given.
 */
export const updateCustomerSchema = z
  .strictObject(writableFields)
  .partial()
  .extend({
    contact: contactSchema.partial(),
    address: addressSchema.partial(),
  })
  .partial();

export type CreateCustomerInput = z.output<typeof createCustomerSchema>;
export type UpdateCustomerInput = z.output<typeof updateCustomerSchema>;
