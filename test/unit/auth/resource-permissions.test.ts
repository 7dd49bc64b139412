import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasWildcardAccess, normalizeResourcePath, permits } from '../../../shared/auth/resource-permissions.js';

describe('normalizeResourcePath', () => {
  it.each([
    ['/v1/customers', '/v1/customers'],
    ['/v1/customers/', '/v1/customers'],
    ['/v1//customers///x', '/v1/customers/x'],
    ['/v1/customers?page=2&search=a/../b', '/v1/customers'],
    ['/v1/customers#frag', '/v1/customers'],
    ['/', '/'],
    ['//', '/'],
    ['/v1/customers/by-ban/AC-123456789', '/v1/customers/by-ban/AC-123456789'],
    ['/a/%20b', '/a/%20b'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeResourcePath(raw)).toBe(expected);
  });

  it.each([
    ['relative', 'v1/customers'],
    ['empty', ''],
    ['only a query', '?x=1'],
    ['dot-dot segment', '/v1/customers/../admin'],
    ['trailing dot-dot', '/v1/customers/..'],
    ['dot segment', '/v1/./customers'],
    ['encoded dot-dot', '/v1/customers/%2e%2e/admin'],
    ['mixed-case encoded dot-dot', '/v1/customers/%2E./admin'],
    ['encoded slash', '/v1/customers%2F..%2Fadmin'],
    ['encoded backslash', '/v1/customers%5Cadmin'],
    ['backslash', '/v1\\customers'],
    ['control character', '/v1/cust\u0000omers'],
    ['encoded control character', '/v1/cust%00omers'],
    ['bad percent-encoding', '/v1/%zz'],
  ])('rejects %s', (_name, raw) => {
    expect(normalizeResourcePath(raw)).toBeNull();
  });
});

describe('permits', () => {
  const cases: Array<[string[], string, boolean]> = [
    // wildcard
    [['*'], '/v1/customers', true],
    [['*'], '/anything/at/all', true],
    [['*'], '/', true],
    [['*'], '/v1/customers/../admin', false],
    [['*'], 'relative', false],
    // exact
    [['/v1/customers'], '/v1/customers', true],
    [['/v1/customers'], '/v1/customers/', true],
    [['/v1/customers'], '/v1/customers?page=2', true],
    [['/v1/customers'], '/v1//customers', true],
    [['/v1/customers'], '/v1/customers/123', false],
    [['/v1/customers'], '/v1/customersx', false],
    [['/v1/customers'], '/v1', false],
    [['/v1/customers'], '/V1/Customers', false],
    [['/v1/customers/'], '/v1/customers', true],
    // prefix
    [['/v1/customers/*'], '/v1/customers', true],
    [['/v1/customers/*'], '/v1/customers/', true],
    [['/v1/customers/*'], '/v1/customers/123', true],
    [['/v1/customers/*'], '/v1/customers/123/dids', true],
    [['/v1/customers/*'], '/v1/customers/by-ban/AC-123456789', true],
    [['/v1/customers/*'], '/v1/customersother', false],
    [['/v1/customers/*'], '/v1/customers-admin/1', false],
    [['/v1/customers/*'], '/v1', false],
    [['/v1/customers/*'], '/v2/customers', false],
    [['/v1/customers/*'], '/v1/customers/../users', false],
    [['/v1/customers/*'], '/v1/customers/%2e%2e/users', false],
    [['/v1/*'], '/v1/customers/1', true],
    [['/*'], '/v1/customers', true],
    [['/*'], '/', true],
    // patterns that cannot be normalised grant nothing
    [['/v1/../*'], '/v1', false],
    [['/v1/../*'], '/admin', false],
    [['v1/customers'], '/v1/customers', false],
    // a '*' anywhere but the end is just a character
    [['/v1/*/dids'], '/v1/abc/dids', false],
    // several patterns
    [[], '/v1/customers', false],
    [['/v1/users', '/v1/customers/*'], '/v1/customers/1', true],
    [['/v1/users', '/v1/customers'], '/v1/customers/1', false],
  ];

  it.each(cases)('%j permits %s: %s', (permissions, path, expected) => {
    expect(permits(permissions, path)).toBe(expected);
  });
});

describe('hasWildcardAccess', () => {
  it.each([
    [['*'], true],
    [['/v1/customers/*', '*'], true],
    [['/*'], false],
    [['/v1/customers/*'], false],
    [[], false],
  ])('%j -> %s', (permissions, expected) => {
    expect(hasWildcardAccess(permissions)).toBe(expected);
  });
});

const segment = fc.stringMatching(/^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,11}$/).filter((s) => s !== '.' && s !== '..');
const cleanPath = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => '/' + parts.join('/'));
/** The same path as a client might send it: doubled slashes, a trailing slash, a query. */
const messyVariant = (path: string) =>
  fc
    .tuple(fc.boolean(), fc.boolean(), fc.option(fc.string({ maxLength: 10 })))
    .map(
      ([double, trailing, query]) =>
        `${double ? path.replace(/\//g, '//') : path}${trailing ? '/' : ''}${query === null ? '' : `?${query}`}`,
    );

describe('permits (properties)', () => {
  it('normalisation is idempotent', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const once = normalizeResourcePath(raw);
        if (once !== null) expect(normalizeResourcePath(once)).toBe(once);
      }),
    );
  });

  it('* permits every clean path, in any messy spelling', () => {
    fc.assert(
      fc.property(cleanPath.chain(messyVariant), (path) => {
        expect(permits(['*'], path)).toBe(true);
      }),
    );
  });

  it('an exact pattern permits its path in any messy spelling and nothing below it', () => {
    fc.assert(
      fc.property(cleanPath, segment, (path, extra) => {
        fc.assert(
          fc.property(messyVariant(path), (variant) => {
            expect(permits([path], variant)).toBe(true);
          }),
          { numRuns: 5 },
        );
        expect(permits([path], `${path}/${extra}`)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('prefix/* permits exactly the prefix and paths below a segment boundary', () => {
    fc.assert(
      fc.property(cleanPath, cleanPath, (prefix, path) => {
        const expected = path === prefix || path.startsWith(`${prefix}/`);
        expect(permits([`${prefix}/*`], path)).toBe(expected);
      }),
    );
  });

  it('prefix/* never crosses a segment boundary', () => {
    fc.assert(
      fc.property(cleanPath, segment, (prefix, suffix) => {
        expect(permits([`${prefix}/*`], `${prefix}${suffix}`)).toBe(false);
        expect(permits([`${prefix}/*`], `${prefix}/${suffix}`)).toBe(true);
      }),
    );
  });

  it('a path with a dot-dot segment is never permitted, whatever the patterns', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant('*'),
            cleanPath,
            cleanPath.map((p) => `${p}/*`),
          ),
        ),
        cleanPath,
        cleanPath,
        (patterns, a, b) => {
          expect(permits(patterns, `${a}/..${b}`)).toBe(false);
          expect(permits(patterns, `${a}/%2e%2e${b}`)).toBe(false);
        },
      ),
    );
  });

  it('adding patterns never takes access away', () => {
    const pattern = fc.oneof(
      fc.constant('*'),
      cleanPath,
      cleanPath.map((p) => `${p}/*`),
    );
    fc.assert(
      fc.property(fc.array(pattern), fc.array(pattern), cleanPath, (some, more, path) => {
        if (permits(some, path)) expect(permits([...some, ...more], path)).toBe(true);
      }),
    );
  });
});
