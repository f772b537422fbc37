import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares a presented secret with the allowed ones without leaking, through timing, which prefix matched. */
export function matchesAnySecret(presented: string, allowed: readonly string[]): boolean {
  const presentedDigest = createHash('sha256').update(presented).digest();
  let matched = false;
  for (const secret of allowed) {
    const allowedDigest = createHash('sha256').update(secret).digest();
    matched = timingSafeEqual(presentedDigest, allowedDigest) || matched;
  }
  return matched;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
