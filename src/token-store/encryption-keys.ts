import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';

import { AppConfig, EncryptionKey } from '../config/app-config';
import { KEY_BYTES, parseEncryptionKeys } from '../config/encryption-keys';
import { EncryptionKeyFileInvalidError, EncryptionKeysRequiredError } from './token-store.errors';

export interface KeyFileLogger {
  warn(message: string): void;
}

export const KEY_FILE_SUFFIX = '.token-encryption.key';

/**
 * Where embedded mode keeps its generated key: beside the PGlite data directory (not inside it, which PGlite
 * owns), named after it so two data directories never share a key (./data/pglite → ./data/pglite.token-encryption.key).
 */
export function keyFilePath(pgliteDataDir: string): string {
  const dataDir = path.resolve(pgliteDataDir);
  return path.join(path.dirname(dataDir), `${path.basename(dataDir)}${KEY_FILE_SUFFIX}`);
}

/**
 * The key ring to use: TOKEN_ENCRYPTION_KEYS when set; with DATABASE_URL and no keys, refuse; in embedded mode
 * without keys, a generated key file (created 0600 once, reused afterwards).
 */
export function resolveEncryptionKeys(
  config: Pick<AppConfig, 'database' | 'encryptionKeys'>,
  logger?: KeyFileLogger,
): EncryptionKey[] {
  if (config.encryptionKeys.length > 0) return config.encryptionKeys;
  if (config.database.url) {
    throw new EncryptionKeysRequiredError();
  }
  const file = keyFilePath(config.database.pgliteDataDir);
  const existing = readKeyFile(file, logger);
  if (existing) return [existing];

  const generated: EncryptionKey = {
    kid: `local-${new Date().toISOString().slice(0, 10)}`,
    key: randomBytes(KEY_BYTES),
  };
  if (!writeKeyFileExclusive(file, generated)) {
    // Another process created it between our read and write: use theirs.
    const raced = readKeyFile(file, logger);
    if (raced) return [raced];
  }
  logger?.warn(
    `TOKEN_ENCRYPTION_KEYS is not set: generated a token encryption key file at ${file} (mode 0600). ` +
      'Production must set TOKEN_ENCRYPTION_KEYS; losing this file makes the stored tokens unreadable.',
  );
  return [generated];
}

function readKeyFile(file: string, logger?: KeyFileLogger): EncryptionKey | undefined {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EncryptionKeyFileInvalidError(file, 'cannot be read', error);
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    logger?.warn(`The token encryption key file ${file} is readable by group or others; restrict it with chmod 600.`);
  }
  const parsed = parseEncryptionKeys(content.trim());
  const [key, ...extra] = parsed.ok ? parsed.value : [];
  if (!key || extra.length > 0) {
    throw new EncryptionKeyFileInvalidError(file, `is not one "kid:base64key" line with a ${KEY_BYTES}-byte key`);
  }
  return key;
}

/** Creates the file with O_EXCL and mode 0600; false when it already exists. */
function writeKeyFileExclusive(file: string, { kid, key }: EncryptionKey): boolean {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fchmodSync(fd, 0o600); // the umask could only narrow it, but be explicit
    writeSync(fd, `${kid}:${key.toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}
