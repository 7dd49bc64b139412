/**
 * Normalization for matching WARP customers to HubSpot companies. Pure: the same input always
 * gives the same key, so a match report can be explained and re-run.
 */

/** Legal-form tokens dropped from the end of a name ("Acme Pty Ltd" -> "acme"). */
const LEGAL_SUFFIXES = new Set([
  'inc',
  'incorporated',
  'llc',
  'llp',
  'lp',
  'ltd',
  'limited',
  'gmbh',
  'mbh',
  'corp',
  'corporation',
  'co',
  'company',
  'sa',
  'ag',
  'bv',
  'nv',
  'plc',
  'pty',
  'srl',
  'sarl',
  'sas',
  'spa',
  'oy',
  'ab',
  'as',
  'kk',
  'kg',
  'pte',
  'pvt',
  'se',
]);

/**
 * Free-mail providers: a contact at gmail.com says nothing about the company, so these
 * domains never produce a match.
 */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.fr',
  'ymail.com',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.fr',
  'outlook.com',
  'live.com',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'zoho.com',
  'qq.com',
  '163.com',
  '126.com',
  'fastmail.com',
  'comcast.net',
  'att.net',
  'verizon.net',
  'orange.fr',
  'free.fr',
  'btinternet.com',
  'libero.it',
]);

/** Lowercase, diacritics off, "&" as "and", punctuation out, legal suffixes off; null when nothing is left. */
export function normalizeCompanyName(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const folded = raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    // Dots and apostrophes join ("S.A." -> "sa", "O'Brien" -> "obrien"); other punctuation separates.
    .replace(/['’.]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  const tokens = folded.split(' ').filter((t) => t.length > 0);
  if (tokens[0] === 'the' && tokens.length > 1) tokens.shift();
  // Keep the last token even if it is a suffix word: "Co" alone is still a name.
  while (tokens.length > 1 && LEGAL_SUFFIXES.has(tokens[tokens.length - 1]!)) tokens.pop();
  return tokens.length > 0 ? tokens.join(' ') : null;
}

/** Host of a website or bare domain, lowercase, without `www.`; null when it is not a host name. */
export function domainOfWebsite(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const trimmed = raw.trim().toLowerCase();
  if (trimmed === '') return null;
  let host: string;
  try {
    host = new URL(/^[a-z][a-z0-9+.-]*:\/\//.test(trimmed) ? trimmed : `http://${trimmed}`).hostname;
  } catch {
    return null;
  }
  host = host.replace(/^www\./, '').replace(/\.$/, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) ? host : null;
}

/** Domain part of an email address, normalized as a website's host. */
export function domainOfEmail(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const at = raw.lastIndexOf('@');
  return at < 0 ? null : domainOfWebsite(raw.slice(at + 1));
}

export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL_DOMAINS.has(domain);
}

/** A domain that can identify a company: well-formed and not free mail. */
export function companyDomain(domain: string | null): string | null {
  return domain != null && !isFreeMailDomain(domain) ? domain : null;
}

const COUNTRY_ALIASES: Record<string, string> = {
  USA: 'US',
  'UNITED STATES': 'US',
  'UNITED STATES OF AMERICA': 'US',
  UK: 'GB',
  'UNITED KINGDOM': 'GB',
  'GREAT BRITAIN': 'GB',
  GERMANY: 'DE',
  DEUTSCHLAND: 'DE',
  FRANCE: 'FR',
  CANADA: 'CA',
  AUSTRALIA: 'AU',
  NETHERLANDS: 'NL',
  'THE NETHERLANDS': 'NL',
  SWITZERLAND: 'CH',
  SPAIN: 'ES',
  ITALY: 'IT',
  MEXICO: 'MX',
};

export function normalizeCountry(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const key = raw.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().replace(/[.]/g, '').replace(/\s+/g, ' ').trim();
  if (key === '') return null;
  return COUNTRY_ALIASES[key] ?? key;
}

export function normalizeZip(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const key = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return key === '' ? null : key;
}

/** Equal, or a US ZIP against its ZIP+4 ("62701" and "62701-1234"). */
export function sameZip(a: string, b: string): boolean {
  if (a === b) return true;
  const digits = /^\d+$/;
  return digits.test(a) && digits.test(b) && a.length >= 5 && b.length >= 5 && a.slice(0, 5) === b.slice(0, 5);
}

export function normalizeCity(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const key = raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return key === '' ? null : key;
}
