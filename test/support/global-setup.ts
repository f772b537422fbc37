import { Client } from 'pg';

import { testDatabaseUrl } from './test-database';

// Fails the whole run at once, with the fix, instead of every test timing out on its own.
export default async function globalSetup(): Promise<void> {
  const client = new Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Postgres is not reachable at TEST_DATABASE_URL (${redactUrl(testDatabaseUrl())}): ${reason}.\n` +
        'Start it with `docker compose up -d postgres`, or on a Debian host: ' +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
