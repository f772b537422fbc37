import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { EncryptionKey } from '../config/app-config';
import { KEY_BYTES, KEY_ID_PATTERN } from '../config/encryption-keys';
import { InvalidEncryptionKeysError, TokenDecryptionError, UnknownEncryptionKeyError } from './token-store.errors';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptedValue {
  /** iv(12) | tag(16) | ciphertext */
  value: Buffer;
  keyId: string;
}

/** AES-256-GCM key ring: the first key encrypts, every key decrypts (so keys can be rotated). */
export class TokenCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly current: string;

  constructor(keys: readonly EncryptionKey[]) {
    const first = keys[0];
    if (!first) throw new InvalidEncryptionKeysError('TOKEN_ENCRYPTION_KEYS: at least one key is required.');
    for (const { kid, key } of keys) {
      if (!KEY_ID_PATTERN.test(kid)) {
        throw new InvalidEncryptionKeysError(
          `TOKEN_ENCRYPTION_KEYS: every key id must match ${KEY_ID_PATTERN.source}.`,
        );
      }
      if (key.length !== KEY_BYTES) {
        throw new InvalidEncryptionKeysError(
          `TOKEN_ENCRYPTION_KEYS: key "${kid}" is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES}.`,
        );
      }
      if (this.keys.has(kid)) {
        throw new InvalidEncryptionKeysError(`TOKEN_ENCRYPTION_KEYS: key id "${kid}" appears more than once.`);
      }
      this.keys.set(kid, Buffer.from(key));
    }
    this.current = first.kid;
  }

  /** The key new values are encrypted with (the first of TOKEN_ENCRYPTION_KEYS). */
  get currentKeyId(): string {
    return this.current;
  }

  encrypt(plaintext: string, aad: string): EncryptedValue {
    const key = this.keys.get(this.current) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { value: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]), keyId: this.current };
  }

  decrypt(value: Buffer, keyId: string, aad: string): string {
    const key = this.keys.get(keyId);
    if (!key) throw new UnknownEncryptionKeyError(keyId);
    if (value.length < IV_BYTES + TAG_BYTES) throw new TokenDecryptionError(keyId);
    const iv = value.subarray(0, IV_BYTES);
    const tag = value.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ciphertext = value.subarray(IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new TokenDecryptionError(keyId, error);
    }
  }
}
