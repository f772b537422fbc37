import 'reflect-metadata';

import { DataSource } from 'typeorm';

import { exitOnInvalidConfig, loadKeyRotationConfig } from '../config/load-config';
import { buildDataSourceOptions } from '../database/data-source';
import { resolveEncryptionKeys } from '../token-store/encryption-keys';
import { KeyRotation } from '../token-store/key-rotation';
import { TokenCipher } from '../token-store/token-cipher';

/**
 * `npm run keys:rotate`: re-encrypts every stored token and PKCE verifier under the first key of
 * TOKEN_ENCRYPTION_KEYS. Safe while the service runs on Postgres; resumable. Afterwards the old key can be removed.
 */
async function main(): Promise<number> {
  const config = exitOnInvalidConfig(() => loadKeyRotationConfig());
  const cipher = new TokenCipher(resolveEncryptionKeys(config, { warn: (message) => console.warn(message) }));
  const dataSource = await new DataSource(buildDataSourceOptions(config.database)).initialize();
  try {
    const rotation = new KeyRotation(dataSource, cipher);
    console.log(`re-encrypting ${await rotation.remaining()} stored value(s) under key "${cipher.currentKeyId}"`);
    const done = await rotation.run(({ tokens, sessions }) =>
      console.log(`… ${tokens} token row(s), ${sessions} session(s) so far`),
    );
    console.log(
      `done: ${done.tokens} token row(s) and ${done.sessions} session(s) now use key "${cipher.currentKeyId}"; ` +
        'keys that are no longer first can be removed from TOKEN_ENCRYPTION_KEYS',
    );
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`key rotation failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
