import { createHash, randomBytes, randomUUID } from 'node:crypto';

export function hex(chars: number): string {
  return randomBytes(Math.ceil(chars / 2))
    .toString('hex')
    .slice(0, chars);
}

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export const newOpenId = (): string => `ou_${hex(32)}`;
export const newUnionId = (): string => `on_${hex(32)}`;
export const newUserId = (): string => hex(8);
export const newChatId = (): string => `oc_${hex(32)}`;
export const newMessageId = (): string => `om_${hex(32)}`;
export const newEventId = (): string => hex(32);
export const newUuid = (): string => randomUUID();

// Authorization codes: charset [A-Za-z0-9-_], 64 characters, like the real ones.
export const newAuthorizationCode = (): string => base64url(randomBytes(48));

/**
 * User tokens look like the real v2 ones: a JWT-shaped string starting `eyJ`, about 1 KB long, so a
 * service that stores them in a too-short column fails against the simulator as it would in production.
 */
export function newUserToken(kind: 'access' | 'refresh', appId: string): string {
  const header = base64url(JSON.stringify({ alg: 'ES256', kid: 'feishu-sim', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({ jti: randomUUID(), typ: kind, aud: appId, pad: randomBytes(420).toString('base64') }),
  );
  return `${header}.${payload}.${base64url(randomBytes(64))}`;
}

export function sha256Base64url(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * The open_id of a person in another app: derived from their first open_id, so a person created with a fixed
 * open_id (the demo's) has the same open_ids in every app from one run to the next.
 */
export function derivedOpenId(baseOpenId: string, appId: string): string {
  return `ou_${createHash('sha256').update(`${baseOpenId}|${appId}`).digest('hex').slice(0, 32)}`;
}

// Device flow (RFC 8628 §6.1): the user code avoids vowels and look-alikes, so it spells no words and reads aloud.
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export function newUserCode(): string {
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length] ?? 'B');
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

export const newDeviceCode = (): string => base64url(randomBytes(48));
