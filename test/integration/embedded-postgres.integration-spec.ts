import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { Client } from 'pg';

import { type EmbeddedPostgres, startEmbeddedPostgres } from '../support/embedded-postgres';

function ourDirectories(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('lark-test-postgres-'));
}

// The fallback of a machine without Postgres, exercised on every machine (CI has a Postgres, so the run's global
// setup never starts this there).
describe('the embedded Postgres from the npm registry', () => {
  let server: EmbeddedPostgres | undefined;
  afterAll(async () => server?.stop());

  it('starts on a free loopback port, takes connections, and is gone with its directory after stop()', async () => {
    const before = ourDirectories();
    server = await startEmbeddedPostgres();
    const created = ourDirectories().filter((name) => !before.includes(name));
    expect(created).toHaveLength(1);
    const url = new URL(server.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(server.version).toMatch(/^15\./);

    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; encoding: string }>(
        "select version(), pg_encoding_to_char(encoding) as encoding from pg_database where datname = 'postgres'",
      );
      expect(rows[0]?.version).toMatch(/^PostgreSQL 15\./);
      expect(rows[0]?.encoding).toBe('UTF8');
    } finally {
      await client.end();
    }

    await server.stop();
    server = undefined;
    expect(existsSync(path.join(tmpdir(), created[0] as string))).toBe(false);
    const refused = new Client({ connectionString: url.href, connectionTimeoutMillis: 2000 });
    await expect(refused.connect()).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);
});
