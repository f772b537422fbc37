import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { AppError } from '../common/errors/app-error';
import { AppConfig, EncryptionKey } from '../config/app-config';
import { parseEncryptionKeys } from '../config/encryption-keys';
import { KEY_FILE_SUFFIX, keyFilePath, resolveEncryptionKeys } from './encryption-keys';
import { TokenCipher } from './token-cipher';

function configWith(database: Partial<AppConfig['database']>, encryptionKeys: EncryptionKey[] = []): AppConfig {
  return {
    database: { url: undefined, pgliteDataDir: './data/pglite', migrationsRun: true, ...database },
    encryptionKeys,
  } as AppConfig;
}

describe('resolveEncryptionKeys', () => {
  let root: string;
  let dataDir: string;
  let warnings: string[];
  const logger = { warn: (message: string) => warnings.push(message) };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'enc-keys-'));
    dataDir = path.join(root, 'data', 'pglite');
    warnings = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('returns the configured keys as they are', () => {
    const keys = [{ kid: 'k1', key: Buffer.alloc(32, 1) }];
    expect(resolveEncryptionKeys(configWith({ url: 'postgres://db/x' }, keys), logger)).toBe(keys);
    expect(warnings).toEqual([]);
  });

  it('refuses to start with DATABASE_URL and no keys, naming the variable', () => {
    let error: unknown;
    try {
      resolveEncryptionKeys(configWith({ url: 'postgres://db/x', pgliteDataDir: dataDir }), logger);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('ENCRYPTION_KEYS_REQUIRED');
    expect((error as AppError).message).toContain('TOKEN_ENCRYPTION_KEYS');
    expect(() => statSync(keyFilePath(dataDir))).toThrow();
  });

  it('generates a 0600 key file next to the data dir in embedded mode and warns once', () => {
    const [key, ...rest] = resolveEncryptionKeys(configWith({ pgliteDataDir: dataDir }), logger);
    const file = path.join(root, 'data', `${path.basename(dataDir)}${KEY_FILE_SUFFIX}`);
    expect(keyFilePath(dataDir)).toBe(file);
    expect(rest).toEqual([]);
    expect(key?.kid).toMatch(/^local-\d{4}-\d{2}-\d{2}$/);
    expect(key?.key.length).toBe(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(`${key?.kid}:${key?.key.toString('base64')}`);
    expect(parseEncryptionKeys(readFileSync(file, 'utf8').trim())).toEqual({ ok: true, value: [key] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('generated');
    expect(warnings[0]).toContain('TOKEN_ENCRYPTION_KEYS');
    expect(warnings[0]).not.toContain(key?.key.toString('base64'));
    expect(() => new TokenCipher([key as EncryptionKey])).not.toThrow();
  });

  it('reuses the key file on the next start', () => {
    const config = configWith({ pgliteDataDir: dataDir });
    const [first] = resolveEncryptionKeys(config, logger);
    const [second] = resolveEncryptionKeys(config, logger);
    expect(second?.kid).toBe(first?.kid);
    expect(second?.key.equals(first?.key as Buffer)).toBe(true);
    expect(warnings).toHaveLength(1);

    const cipher = new TokenCipher([first as EncryptionKey]);
    const { value, keyId } = cipher.encrypt('survives a restart', 'app:ou');
    expect(new TokenCipher([second as EncryptionKey]).decrypt(value, keyId, 'app:ou')).toBe('survives a restart');
  });

  it('warns when the existing key file is readable by group or others', () => {
    if (process.platform === 'win32') return;
    const config = configWith({ pgliteDataDir: dataDir });
    resolveEncryptionKeys(config, logger);
    chmodSync(keyFilePath(dataDir), 0o644);
    warnings = [];
    resolveEncryptionKeys(config, logger);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/chmod 600/);
  });

  it('rejects a corrupt key file without echoing its content', () => {
    resolveEncryptionKeys(configWith({ pgliteDataDir: dataDir }), logger);
    writeFileSync(keyFilePath(dataDir), 'kid:c2hvcnQta2V5\n', { mode: 0o600 });
    let error: unknown;
    try {
      resolveEncryptionKeys(configWith({ pgliteDataDir: dataDir }), logger);
    } catch (caught) {
      error = caught;
    }
    expect((error as AppError).code).toBe('ENCRYPTION_KEY_FILE_INVALID');
    expect((error as AppError).message).not.toContain('c2hvcnQta2V5');
  });
});
