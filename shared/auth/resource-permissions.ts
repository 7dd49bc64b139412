/**
 * Gatekeeper's resource-path permissions (pure). A user type holds a list of patterns:
 *   `*`           everything (and, for customers, every customer: see hasWildcardAccess)
 *   `/a/b`        exactly that path
 *   `/a/b/*`      `/a/b` itself and anything below it (`/a/b/c`, `/a/b/c/d`), never `/a/bc`
 * Paths are compared after normalisation; a path that cannot be normalised safely
 * (relative, `.`/`..` segments, control characters, backslashes) is never permitted,
 * not even by `*`, so a router that resolves such a path differently cannot be tricked.
 */

const WILDCARD = '*';
const PREFIX_SUFFIX = '/*';

/**
 * Canonical form of a request path: query and fragment removed, runs of `/` collapsed,
 * no trailing slash (except the root). Returns null when the path is unsafe to compare.
 */
export function normalizeResourcePath(raw: string): string | null {
  const cut = raw.search(/[?#]/);
  const path = (cut >= 0 ? raw.slice(0, cut) : raw).replace(/\/{2,}/g, '/');
  if (!path.startsWith('/') || hasUnsafeCharacter(path)) return null;
  for (const segment of path.split('/')) {
    if (!isSafeSegment(segment)) return null;
  }
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** A segment is unsafe if it is, or decodes to, a dot segment or hides a separator (`%2F`, `%5C`). */
function isSafeSegment(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return false;
  }
  return decoded !== '.' && decoded !== '..' && !decoded.includes('/') && !hasUnsafeCharacter(decoded);
}

/** Control characters and backslashes (which some routers read as `/`). */
function hasUnsafeCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

/** True when any of the patterns grants `resourcePath`. */
export function permits(permissions: readonly string[], resourcePath: string): boolean {
  const path = normalizeResourcePath(resourcePath);
  if (path === null) return false;
  return permissions.some((pattern) => patternMatches(pattern, path));
}

function patternMatches(pattern: string, path: string): boolean {
  if (pattern === WILDCARD) return true;
  if (pattern.endsWith(PREFIX_SUFFIX)) {
    const stem = pattern.slice(0, -PREFIX_SUFFIX.length);
    // `/*` has an empty stem: every (normalised, hence absolute) path lies below it.
    if (stem === '') return true;
    const prefix = normalizeResourcePath(stem);
    if (prefix === null) return false;
    return prefix === '/' || path === prefix || path.startsWith(prefix + '/');
  }
  const exact = normalizeResourcePath(pattern);
  return exact !== null && exact === path;
}

/** Users whose type holds `*` see every customer; everyone else only their granted customers. */
export function hasWildcardAccess(permissions: readonly string[]): boolean {
  return permissions.includes(WILDCARD);
}
