import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'pg';

import { createTestSchema, removeTempDir, tempPgliteDir, TestSchema } from '../support/database';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);

/** Runs an npm script with only the database variables set (empty ones count as unset, so a .env cannot leak in). */
async function npmRun(args: string[], database: { DATABASE_URL?: string; PGLITE_DATA_DIR?: string }) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: '', PGLITE_DATA_DIR: '', ...database };
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', ...args], { cwd: root, env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run migration:run', () => {
  describe('against Postgres (DATABASE_URL pointing at a fresh schema)', () => {
    let schema: TestSchema;

    beforeAll(async () => {
      schema = await createTestSchema();
    });
    afterAll(async () => {
      await schema?.drop();
    });

    it('applies the migrations, exits 0 and creates the tables in that schema', async () => {
      const result = await npmRun(['migration:run'], { DATABASE_URL: schema.url });
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toContain('Applied CreateAuthTables1795443218350');

      const client = new Client({ connectionString: schema.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
          [schema.schema],
        );
        expect(rows.map((row) => row.table_name)).toEqual([
          'auth_sessions',
          'event_inbox',
          'migrations',
          'token_endpoint_budgets',
          'user_tokens',
        ]);
      } finally {
        await client.end();
      }
    });

    it('does nothing the second time, and migration:generate finds no drift', async () => {
      const again = await npmRun(['migration:run'], { DATABASE_URL: schema.url });
      expect(again).toMatchObject({ code: 0 });
      expect(again.stdout).toContain('No pending migrations');

      const generate = await npmRun(['migration:generate', '--', 'Drift'], { DATABASE_URL: schema.url });
      expect(generate).toMatchObject({ code: 0 });
      expect(generate.stdout).toContain('No changes: entities match the schema');
    });
  });

  describe('against embedded PGlite (PGLITE_DATA_DIR at a temp dir)', () => {
    let dir: string;

    beforeAll(() => {
      dir = tempPgliteDir();
    });
    afterAll(() => removeTempDir(dir));

    it('creates the database, applies the migrations and exits 0', async () => {
      const dataDir = path.join(dir, 'nested', 'pglite');
      const result = await npmRun(['migration:run'], { PGLITE_DATA_DIR: dataDir });
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toContain('Applied CreateAuthTables1795443218350');
      expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);

      const generate = await npmRun(['migration:generate', '--', '--check'], { PGLITE_DATA_DIR: dataDir });
      expect(generate).toMatchObject({ code: 0 });
      expect(generate.stdout).toContain('No changes: entities match the schema');
    });
  });

  it('needs no Lark credentials but still rejects a bad DATABASE_URL, without echoing it', async () => {
    const result = await npmRun(['migration:run'], { DATABASE_URL: 'mysql://user:S3cretPass@host/db' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL: must start with postgres:// or postgresql://');
    expect(result.stderr).not.toContain('S3cretPass');
    expect(result.stderr).not.toContain('LARK_APP_ID');
  });
});
