import { describe, expect, it } from 'vitest';
import {
  companyDomain,
  domainOfEmail,
  domainOfWebsite,
  isFreeMailDomain,
  normalizeCity,
  normalizeCompanyName,
  normalizeCountry,
  normalizeZip,
  sameZip,
} from '../../../shared/matching/normalize.js';

describe('normalizeCompanyName', () => {
  it.each([
    ['Acme Telecom', 'acme telecom'],
    ['ACME TELECOM, INC.', 'acme telecom'],
    ['Acme Telecom Inc', 'acme telecom'],
    ['acme telecom llc', 'acme telecom'],
    ['Acme Telecom Ltd.', 'acme telecom'],
    ['Acme Telecom Limited', 'acme telecom'],
    ['Acme Telecom GmbH', 'acme telecom'],
    ['Acme Telecom Corp.', 'acme telecom'],
    ['Acme Telecom Corporation', 'acme telecom'],
    ['Acme Telecom Co.', 'acme telecom'],
    ['Acme Telecom S.A.', 'acme telecom'],
    ['Acme Telecom AG', 'acme telecom'],
    ['Acme Telecom B.V.', 'acme telecom'],
    ['Acme Telecom PLC', 'acme telecom'],
    ['Acme Telecom Pty Ltd', 'acme telecom'],
    ['Acme Telecom Co., Ltd.', 'acme telecom'],
    ['The Acme Telecom Company', 'acme telecom'],
    ['  acme   telecom  ', 'acme telecom'],
    ['Acme-Telecom', 'acme telecom'],
    ['Acme & Sons', 'acme and sons'],
    ['Acme and Sons', 'acme and sons'],
    ["O'Brien Networks", 'obrien networks'],
    ['Télécom Zürich AG', 'telecom zurich'],
    // A suffix word in the middle is part of the name.
    ['Inc Networks', 'inc networks'],
    // Never reduced to nothing.
    ['Co', 'co'],
    ['The', 'the'],
    ['LLC Inc', 'llc'],
    ['...', null],
    ['', null],
    [null, null],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizeCompanyName(raw)).toBe(expected);
  });
});

describe('domains', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['www.acme.com', 'acme.com'],
    ['https://www.Acme.com/about?x=1', 'acme.com'],
    ['http://acme.co.uk', 'acme.co.uk'],
    ['ACME.COM.', 'acme.com'],
    ['  acme.com  ', 'acme.com'],
    ['sub.acme.com', 'sub.acme.com'],
    ['localhost', null],
    ['not a domain', null],
    ['', null],
    [null, null],
  ])('website %j -> %j', (raw, expected) => {
    expect(domainOfWebsite(raw)).toBe(expected);
  });

  it.each([
    ['ops@acme.com', 'acme.com'],
    ['Ops@ACME.com', 'acme.com'],
    ['a@b@www.acme.com', 'acme.com'],
    ['no-at-sign', null],
    ['ops@', null],
    [null, null],
  ])('email %j -> %j', (raw, expected) => {
    expect(domainOfEmail(raw)).toBe(expected);
  });

  it('free-mail domains never identify a company', () => {
    for (const d of ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com']) {
      expect(isFreeMailDomain(d)).toBe(true);
      expect(companyDomain(d)).toBeNull();
    }
    expect(companyDomain('acme.com')).toBe('acme.com');
    expect(companyDomain(null)).toBeNull();
  });
});

describe('location', () => {
  it.each([
    ['US', 'US'],
    ['usa', 'US'],
    ['U.S.A.', 'US'],
    ['United States', 'US'],
    ['united kingdom', 'GB'],
    ['Deutschland', 'DE'],
    ['de', 'DE'],
    [' ', null],
    [null, null],
  ])('country %j -> %j', (raw, expected) => {
    expect(normalizeCountry(raw)).toBe(expected);
  });

  it('zip and city', () => {
    expect(normalizeZip('sw1a 1aa')).toBe('SW1A1AA');
    expect(normalizeZip(' - ')).toBeNull();
    expect(sameZip('62701', '627011234')).toBe(true);
    expect(sameZip('62701', '62702')).toBe(false);
    expect(sameZip('SW1A1AA', 'SW1A1AB')).toBe(false);
    expect(sameZip('1234', '12345')).toBe(false);
    expect(normalizeCity('São Paulo')).toBe('sao paulo');
    expect(normalizeCity('ST. LOUIS')).toBe('st louis');
    expect(normalizeCity('')).toBeNull();
  });
});
