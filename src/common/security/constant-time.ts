import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares a presented secret with the allowed ones without leaking, through timing, which prefix matched. */
export function matchesAnySecret(presented: string, allowed: readonly string[]): boolean {
  return indexOfSecret(presented, allowed) >= 0;
}

/**
 * The index of the allowed secret equal to `presented`, or -1. Every secret is compared, digest against digest, so
 * the time taken says neither which one matched nor how much of it.
 */
export function indexOfSecret(presented: string, allowed: readonly string[]): number {
  const presentedDigest = createHash('sha256').update(presented).digest();
  let matched = -1;
  allowed.forEach((secret, index) => {
    const allowedDigest = createHash('sha256').update(secret).digest();
    if (timingSafeEqual(presentedDigest, allowedDigest)) matched = index;
  });
  return matched;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
