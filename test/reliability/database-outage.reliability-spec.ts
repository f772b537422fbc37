import { authorizeUrlOf } from '../support/flow';
import { Replica } from '../support/replica';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../simulator/test-kit';
import { API_TOKEN, APP_ID, ReliabilityKit, sleep } from './reliability-kit';

jest.setTimeout(240_000);

// Counts (docs/reliability.md): 400 due tokens, 3 outages (a restart: every connection reset, then refused for 5 s;
// a black hole of 8 s, twice), 6 callbacks and 6 token reads sent into each outage.
const TOKENS = 400;
const ANSWER_BOUND_MS = 15_000;

interface Answer {
  status: number;
  ms: number;
  body: string;
}

async function timed(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(60_000) });
    return { status: response.status, ms: Date.now() - started, body: await response.text() };
  } catch (error) {
    return { status: 0, ms: Date.now() - started, body: String(error) };
  }
}

const STACK_TRACE = /\n\s+at .+\(.+:\d+:\d+\)|node_modules|\/dist\/|\.ts:\d+/;

describe('Postgres restarted and black-holed (through a TCP proxy) during a sweep and during callbacks', () => {
  const kit = new ReliabilityKit();
  let proxy: TcpProxy;
  let replica: Replica;
  beforeAll(async () => {
    await kit.start();
    const url = new URL(kit.schema.url);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
  });
  afterAll(async () => {
    await kit.killAll();
    await proxy?.close();
    await kit.stop();
  });

  async function readyStatus(): Promise<number> {
    return (await timed(`${replica.baseUrl}/readyz`)).status;
  }

  /** Pending sessions approved in the simulator: the callback URLs the users' browsers would open. */
  async function callbackUrls(count: number): Promise<string[]> {
    const urls: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const { user, card } = await kit.sendCard(replica, `Outage caller ${i}`);
      const location = new URL(await kit.control.authorizeAs(user.openId, 'approve', authorizeUrlOf(card)));
      urls.push(`${replica.baseUrl}${location.pathname}${location.search}`);
    }
    return urls;
  }

  it(`${TOKENS} due tokens and callbacks through a restart and two black holes: /readyz red then green, bounded answers, no token lost, no stack trace`, async () => {
    const url = new URL(kit.schema.url);
    url.port = String(proxy.port);
    const users = await kit.seed(TOKENS, 'Outage');
    await kit.control.call('POST', '/_sim/stats/reset');
    replica = await kit.replica('through-proxy', { DATABASE_URL: url.toString() });
    const pending = await callbackUrls(24);
    await waitFor(async () => (await kit.states(users)).rotated > 30, 30_000, 'the sweep to be under way');

    const answers: Answer[] = [];
    const outages: Array<{ name: string; start: () => void; ms: number }> = [
      { name: 'restart', start: () => (proxy.setMode('reset'), proxy.setMode('refuse')), ms: 5_000 },
      { name: 'black hole', start: () => proxy.setMode('blackhole'), ms: 8_000 },
      { name: 'black hole again', start: () => proxy.setMode('blackhole'), ms: 8_000 },
    ];
    for (const outage of outages) {
      outage.start();
      const during = [
        ...pending.splice(0, 6).map((callback) => timed(callback, { 'accept-language': 'en-US' })),
        ...users.slice(0, 6).map((user) =>
          timed(`${replica.baseUrl}/api/v1/users/${user.openId}/token?appId=${APP_ID}`, {
            authorization: `Bearer ${API_TOKEN}`,
          }),
        ),
      ];
      await waitFor(async () => (await readyStatus()) === 503, 10_000, `/readyz to turn red (${outage.name})`, 200);
      await sleep(outage.ms);
      proxy.setMode('pass');
      await waitFor(async () => (await readyStatus()) === 200, 30_000, `/readyz to turn green (${outage.name})`, 200);
      answers.push(...(await Promise.all(during)));
    }

    // Every request sent into an outage was answered, in bounded time, without a stack trace or a secret.
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThan(0);
      expect(answer.ms).toBeLessThanOrEqual(ANSWER_BOUND_MS);
      expect(answer.body).not.toMatch(STACK_TRACE);
      for (const secret of kit.secrets()) expect(answer.body).not.toContain(secret);
    }
    // After the outages the remaining callbacks work, and every token is refreshed or flagged, none presented twice.
    for (const callback of pending) expect((await timed(callback)).status).toBe(200);
    const settle = waitFor(
      async () => (await kit.states(users)).untouched === 0,
      90_000,
      'every token to be settled',
      1_000,
    );
    await settle.catch(async (error: unknown) => {
      console.log(
        JSON.stringify(
          await kit.dataSource.query(
            `SELECT status, lease_owner IS NOT NULL AS leased, lease_until > now() AS lease_live,
                refresh_sent_at IS NOT NULL AS sent, next_attempt_at > now() AS backing_off, refresh_due_at <= now() AS due,
                left(last_error, 80) AS error, count(*)::int
               FROM user_tokens GROUP BY 1, 2, 3, 4, 5, 6, 7`,
          ),
        ),
        replica.logs.slice(-30).join('\n'),
      );
      throw error;
    });
    const settled = await kit.states(users);
    const stats = await kit.control.stats();
    const rows: Array<{ count: number }> = await kit.dataSource.query(
      `SELECT count(*)::int AS count FROM user_tokens WHERE open_id = ANY($1)`,
      [users.map((user) => user.openId)],
    );
    const statuses = answers.map((answer) => answer.status).join(' ');
    console.log(
      `database-outage: answers during outages [${statuses}], max ${Math.max(...answers.map((a) => a.ms))} ms; ` +
        `${settled.rotated} refreshed, ${settled.reauth} flagged, reuse ${stats.refreshTokenReuse}`,
    );
    expect(rows[0]?.count).toBe(TOKENS);
    expect(settled.rotated + settled.reauth).toBe(TOKENS);
    expect(stats.refreshTokenReuse).toBe(0);
    for (const line of replica.logs) for (const secret of kit.secrets()) expect(line).not.toContain(secret);
  });
});
