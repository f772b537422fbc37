/** Without it Feishu issues no refresh token, so every request includes it. */
export const OFFLINE_ACCESS = 'offline_access';

/** Feishu scope names: letters, digits and `_ . : -` (case-sensitive). */
export const SCOPE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Feishu accepts at most this many scopes in one authorization request. */
export const MAX_SCOPES = 50;

/** Scopes from a space- or comma-separated string, in order, without blanks. */
export function splitScopes(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((scope) => scope.length > 0);
}

/** Deduplicated, in order, with offline_access appended when missing. */
export function withOfflineAccess(scopes: readonly string[]): string[] {
  const unique = [...new Set(scopes)];
  return unique.includes(OFFLINE_ACCESS) ? unique : [...unique, OFFLINE_ACCESS];
}
