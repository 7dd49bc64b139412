import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { withoutHubspotLink } from '../../../shared/customers/hubspot-link.js';
import { customerView, ifMatchSatisfied, type CustomerRow } from '../../../shared/customers/view.js';

const ETAG = '"3-6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"';

describe('ifMatchSatisfied (RFC 9110 13.1.1, strong comparison)', () => {
  it.each([
    [ETAG, true],
    [`  ${ETAG}  `, true],
    ['*', true],
    [' * ', true],
    [`"1-x", ${ETAG}`, true],
    [`W/"1-x",${ETAG}`, true],
    [`W/${ETAG}`, false],
    [`"1-x", W/${ETAG}`, false],
    ['"*"', false],
    [ETAG.slice(1, -1), false],
    ['"3-6f1c2a8e"', false],
    ['', false],
  ])('%j -> %s', (header, expected) => {
    expect(ifMatchSatisfied(header, ETAG)).toBe(expected);
  });

  it('keeps commas inside a quoted tag (they are legal etagc characters)', () => {
    expect(ifMatchSatisfied('"a,b", "c"', '"a,b"')).toBe(true);
    expect(ifMatchSatisfied('"a,b"', '"a"')).toBe(false);
  });
});

describe('withoutHubspotLink', () => {
  const refused = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      return (err as AppError).details;
    }
    throw new Error('expected a refusal');
  };

  it('drops the link when it equals the stored one (string or number), and leaves other ids alone', () => {
    expect(withoutHubspotLink({ a: 'x', hubspot_company_id: '123' }, '123')).toEqual({ a: 'x' });
    expect(withoutHubspotLink({ hubspot_company_id: 123 }, '123')).toEqual({});
    expect(withoutHubspotLink({ a: 'x' }, '123')).toEqual({ a: 'x' });
    expect(withoutHubspotLink(undefined, '123')).toBeUndefined();
  });

  it('refuses a different value, or any value when there is no link, naming the field', () => {
    for (const [ids, stored] of [
      [{ hubspot_company_id: '124' }, '123'],
      [{ hubspot_company_id: '1' }, null],
      [{ hubspot_company_id: '' }, '123'],
    ] as const) {
      expect(refused(() => withoutHubspotLink({ ...ids }, stored))).toEqual({
        issues: [{ path: 'external_ids.hubspot_company_id', message: expect.stringContaining('managed by the sync') }],
      });
    }
  });
});

describe('customerView external_ids', () => {
  const row = (external_ids: Record<string, unknown>, hubspot_company_id: string | null) =>
    ({
      id: 'id',
      ban: 'AB-000000001',
      company_name: 'c',
      legal_name: null,
      status: 'ACTIVE',
      customer_type: 'PREPAID',
      contact: {},
      address: {},
      services: {},
      kyc_data: null,
      business_info: null,
      external_ids,
      custom_fields: null,
      credit_limit: null,
      current_balance: '0.00',
      prepaid_balance: '0.00',
      payment_terms: 30,
      billing_cycle: 'MONTHLY',
      currency: 'USD',
      hubspot_company_id,
      hubspot_link_status: 'UNLINKED',
      version: 1,
      created_at: new Date(0),
      updated_at: new Date(0),
      created_by: null,
      updated_by: null,
    }) satisfies CustomerRow;

  it('shows the link from its column only, never a copy held in the jsonb', () => {
    expect(customerView(row({ a: 1 }, '77')).external_ids).toEqual({ a: 1, hubspot_company_id: '77' });
    expect(customerView(row({ a: 1, hubspot_company_id: 'stale' }, null)).external_ids).toEqual({ a: 1 });
    expect(customerView(row({ hubspot_company_id: 'stale' }, '77')).external_ids).toEqual({ hubspot_company_id: '77' });
  });
});
