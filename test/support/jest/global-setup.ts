import { Client } from 'pg';

import { type EmbeddedPostgres, startEmbeddedPostgres } from '../embedded-postgres';
import { testDatabaseUrl } from '../test-database';

/** Shared with global-teardown.ts (both run in jest's main process); set once per run. */
export const RUN_STATE_KEY = '__larkTestPostgres';
export interface RunState {
  embedded?: EmbeddedPostgres;
}

/**
 * Postgres for the integration and e2e tiers: TEST_DATABASE_URL (default the local server on 5432) when it
 * answers, else an embedded Postgres from the npm registry for this run, whose URL becomes TEST_DATABASE_URL for
 * every test. Runs once per project; the second project finds the state of the first.
 */
export default async function globalSetup(): Promise<void> {
  const global = globalThis as Record<string, unknown>;
  if (global[RUN_STATE_KEY]) return;
  const state: RunState = {};
  global[RUN_STATE_KEY] = state;

  const url = testDatabaseUrl();
  const problem = await whyUnreachable(url);
  if (!problem) return;
  const embedded = await startEmbeddedPostgres();
  state.embedded = embedded;
  killOnExit(embedded);
  process.env.TEST_DATABASE_URL = embedded.url;
  console.log(
    `Postgres at ${redactUrl(url)} did not answer (${problem}): using an embedded Postgres ` +
      `${embedded.version} on port ${new URL(embedded.url).port} for this run.`,
  );
}

/**
 * If the run ends before global-teardown (a failure, Ctrl-C, a kill), the server must not outlive it: killed on
 * exit, and on a terminating signal, which is then re-raised so the run still ends as that signal says.
 */
function killOnExit(embedded: EmbeddedPostgres): void {
  process.once('exit', () => embedded.killNow());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      embedded.killNow();
      process.kill(process.pid, signal);
    });
  }
}

async function whyUnreachable(url: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
