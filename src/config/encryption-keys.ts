import { EncryptionKey } from './app-config';
import { fail, ok, Parsed } from './env-parsers';

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const KEY_BYTES = 32;
// Standard or URL-safe alphabet, optional padding; Buffer.from(…, 'base64') alone would silently skip junk.
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/**
 * Parses `kid:base64key[,kid:base64key…]`. Problems name entries by position and never contain key material
 * (nor the key id, in case a key was pasted where the id belongs).
 */
export function parseEncryptionKeys(raw: string): Parsed<EncryptionKey[]> {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) return fail('contains no key');
  const problems: string[] = [];
  const keys: EncryptionKey[] = [];
  const firstEntryOfKid = new Map<string, number>();
  entries.forEach((entry, index) => {
    const position = index + 1;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`entry ${position} is not in the form kid:base64key`);
      return;
    }
    const kid = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(kid)) {
      problems.push(`entry ${position} has a key id that does not match ${KEY_ID_PATTERN.source}`);
      return;
    }
    const earlier = firstEntryOfKid.get(kid);
    if (earlier !== undefined) {
      problems.push(`entry ${position} repeats the key id of entry ${earlier}; key ids must be unique`);
      return;
    }
    firstEntryOfKid.set(kid, position);
    if (!BASE64.test(material)) {
      problems.push(`entry ${position} has a key that is not valid base64`);
      return;
    }
    const key = Buffer.from(material, material.includes('-') || material.includes('_') ? 'base64url' : 'base64');
    if (key.length !== KEY_BYTES) {
      problems.push(`entry ${position} has a key of ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES}`);
      return;
    }
    keys.push({ kid, key });
  });
  return problems.length > 0 ? fail(...problems) : ok(keys);
}
