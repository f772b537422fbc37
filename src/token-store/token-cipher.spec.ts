import { randomBytes } from 'node:crypto';

import { AppError } from '../common/errors/app-error';
import { TokenCipher } from './token-cipher';
import { TokenDecryptionError, UnknownEncryptionKeyError } from './token-store.errors';

const key = (fill: number) => Buffer.alloc(32, fill);
const AAD = 'cli_0123456789abcdef:ou_user1';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('TokenCipher', () => {
  const cipher = new TokenCipher([
    { kid: 'k2', key: key(2) },
    { kid: 'k1', key: key(1) },
  ]);

  it('round-trips and encrypts with the first key', () => {
    const { value, keyId } = cipher.encrypt('u-access-token-é中', AAD);
    expect(keyId).toBe('k2');
    expect(cipher.decrypt(value, keyId, AAD)).toBe('u-access-token-é中');
  });

  it('lays out iv(12) | tag(16) | ciphertext and never contains the plaintext', () => {
    const plaintext = 'plain-secret-value';
    const { value } = cipher.encrypt(plaintext, AAD);
    expect(value.length).toBe(12 + 16 + Buffer.byteLength(plaintext));
    expect(value.includes(Buffer.from(plaintext))).toBe(false);
  });

  it('uses a fresh IV for every value', () => {
    const a = cipher.encrypt('same', AAD).value;
    const b = cipher.encrypt('same', AAD).value;
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('decrypts values written with an older key still in the ring', () => {
    const old = new TokenCipher([{ kid: 'k1', key: key(1) }]);
    const { value, keyId } = old.encrypt('from-before-rotation', AAD);
    expect(cipher.decrypt(value, keyId, AAD)).toBe('from-before-rotation');
  });

  it('refuses an unknown key id with a loud, named error', () => {
    const other = new TokenCipher([{ kid: 'gone', key: key(9) }]);
    const { value } = other.encrypt('x', AAD);
    const error = caught(() => cipher.decrypt(value, 'gone', AAD));
    expect(error).toBeInstanceOf(UnknownEncryptionKeyError);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('ENCRYPTION_KEY_UNKNOWN');
    expect((error as Error).message).toContain('"gone"');
    expect((error as Error).message).toContain('TOKEN_ENCRYPTION_KEYS');
  });

  it('rejects a value bound to another AAD', () => {
    const { value, keyId } = cipher.encrypt('secret', AAD);
    const error = caught(() => cipher.decrypt(value, keyId, 'cli_0123456789abcdef:ou_user2'));
    expect(error).toBeInstanceOf(TokenDecryptionError);
    expect((error as AppError).code).toBe('TOKEN_DECRYPTION_FAILED');
  });

  it.each([
    ['iv', 0],
    ['tag', 12],
    ['ciphertext', 28],
  ])('rejects a tampered %s byte', (_part, offset) => {
    const { value, keyId } = cipher.encrypt('secret', AAD);
    const tampered = Buffer.from(value);
    tampered[offset] = (tampered[offset] ?? 0) ^ 0x01;
    expect(() => cipher.decrypt(tampered, keyId, AAD)).toThrow(TokenDecryptionError);
  });

  it('rejects truncated values, including ones shorter than iv + tag', () => {
    const { value, keyId } = cipher.encrypt('secret', AAD);
    expect(() => cipher.decrypt(value.subarray(0, value.length - 1), keyId, AAD)).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(value.subarray(0, 20), keyId, AAD)).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(Buffer.alloc(0), keyId, AAD)).toThrow(TokenDecryptionError);
  });

  it('rejects a value decrypted under a different key of the ring', () => {
    const { value } = cipher.encrypt('secret', AAD);
    expect(() => cipher.decrypt(value, 'k1', AAD)).toThrow(TokenDecryptionError);
  });

  it('never puts the plaintext or the AAD in the error message', () => {
    const { value, keyId } = cipher.encrypt('plain-secret-value', AAD);
    const error = caught(() => cipher.decrypt(value, keyId, 'other:aad')) as Error;
    expect(error.message).not.toContain('plain-secret-value');
    expect(error.message).not.toContain('other:aad');
  });

  describe('key validation', () => {
    it('requires at least one key', () => {
      expect(() => new TokenCipher([])).toThrow(/at least one key/);
    });

    it('requires 32-byte keys without printing the key', () => {
      const short = randomBytes(16);
      const error = caught(() => new TokenCipher([{ kid: 'short', key: short }])) as AppError;
      expect(error.message).toContain('"short"');
      expect(error.message).toContain('16 bytes');
      expect(error.message).not.toContain(short.toString('base64'));
      expect(error.message).not.toContain(short.toString('hex'));
    });

    it('requires unique key ids', () => {
      expect(
        () =>
          new TokenCipher([
            { kid: 'k1', key: key(1) },
            { kid: 'k1', key: key(2) },
          ]),
      ).toThrow(/appears more than once/);
    });

    it('requires a usable key id', () => {
      expect(() => new TokenCipher([{ kid: '', key: key(1) }])).toThrow(/key id must match/);
      expect(() => new TokenCipher([{ kid: 'a:b', key: key(1) }])).toThrow(/key id must match/);
    });

    it('copies the keys so later mutation of the caller buffer does not change the ring', () => {
      const material = key(5);
      const ring = new TokenCipher([{ kid: 'k5', key: material }]);
      const { value, keyId } = ring.encrypt('secret', AAD);
      material.fill(0);
      expect(ring.decrypt(value, keyId, AAD)).toBe('secret');
    });
  });
});
