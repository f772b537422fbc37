import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { DataSource } from 'typeorm';

import { TokenCipher } from '../../src/token-store/token-cipher';
import { UserToken } from '../../src/token-store/user-token.entity';
import { UserTokenRepository } from '../../src/token-store/user-token.repository';
import { createTestDataSource, createTestSchema, TestSchema } from '../support/database';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const APP = 'cli_0123456789abcdef';

describe('npm run keys:rotate', () => {
  let schema: TestSchema;
  let dataSource: DataSource;

  beforeAll(async () => {
    schema = await createTestSchema();
    dataSource = await createTestDataSource({ schema: schema.schema });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await schema?.drop();
  });

  it('moves every token to the first key, says what it did, and runs again as a no-op', async () => {
    const oldKey = { kid: 'old', key: randomBytes(32) };
    const newKey = { kid: 'new', key: randomBytes(32) };
    const oldCipher = new TokenCipher([oldKey]);
    const repository = new UserTokenRepository(dataSource.getRepository(UserToken));
    const now = new Date();
    for (const openId of ['ou_rotate_one', 'ou_rotate_two']) {
      const aad = `${APP}:${openId}`;
      await repository.upsertGrant({
        appId: APP,
        openId,
        unionId: null,
        userId: null,
        name: openId,
        accessTokenEnc: oldCipher.encrypt(`access-of-${openId}`, aad).value,
        refreshTokenEnc: oldCipher.encrypt(`refresh-of-${openId}`, aad).value,
        keyId: 'old',
        refreshTokenHash: 'h',
        scopes: [],
        accessExpiresAt: now,
        refreshExpiresAt: null,
        grantedAt: now,
        refreshDueAt: now,
      });
    }
    const keys = [newKey, oldKey].map(({ kid, key }) => `${kid}:${key.toString('base64')}`).join(',');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: schema.url,
      TOKEN_ENCRYPTION_KEYS: keys,
    };

    const first = await run('npm', ['run', '--silent', 'keys:rotate'], { cwd: root, env });
    expect(first.stdout).toContain('re-encrypting 2 stored value(s) under key "new"');
    expect(first.stdout).toContain('done: 2 token row(s) and 0 session(s) now use key "new"');
    expect(`${first.stdout}${first.stderr}`).not.toContain(newKey.key.toString('base64'));

    const onlyNew = new TokenCipher([newKey]);
    for (const openId of ['ou_rotate_one', 'ou_rotate_two']) {
      const row = await repository.findByOpenId(APP, openId);
      expect(row?.keyId).toBe('new');
      expect(onlyNew.decrypt(row!.accessTokenEnc!, 'new', `${APP}:${openId}`)).toBe(`access-of-${openId}`);
      expect(onlyNew.decrypt(row!.refreshTokenEnc!, 'new', `${APP}:${openId}`)).toBe(`refresh-of-${openId}`);
    }
    const again = await run('npm', ['run', '--silent', 'keys:rotate'], { cwd: root, env });
    expect(again.stdout).toContain('re-encrypting 0 stored value(s)');
  });
});
