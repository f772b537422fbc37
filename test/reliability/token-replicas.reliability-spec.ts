import { metricValue } from '../support/flow';
import { waitFor } from '../simulator/test-kit';
import { Replica } from '../support/replica';
import { ReplicaCluster } from '../support/replica-cluster';

jest.setTimeout(180_000);

/** Two or more service processes on one database and one simulator: the refresh must happen once per token. */
describe('token refresh across replicas (separate processes, Postgres)', () => {
  // The simulator never throttles here: what it sees is what the service sent.
  const cluster = new ReplicaCluster({
    apiToken: 'replica-api-token-0123456789',
    simulator: { tokenRatePerSecond: 0 },
    env: { TOKEN_REFRESH_SWEEP_SECONDS: '1', FEISHU_HTTP_TIMEOUT_MS: '2000' },
  });

  beforeAll(() => cluster.start());
  // A failed test must not leave its replicas sweeping the next test's tokens.
  afterEach(() => cluster.killAll());
  afterAll(() => cluster.stop());

  async function refreshes(replica: Replica): Promise<number> {
    const text = await fetch(`${replica.baseUrl}/metrics`).then((response) => response.text());
    return metricValue(text, 'lark_service_token_refresh_total', { result: 'success' });
  }

  it('2,000 due tokens on two replicas: each refreshed exactly once, within 40 requests in any second', async () => {
    const users = await cluster.seed(2000, 'Budget');
    await cluster.control.call('POST', '/_sim/stats/reset');
    const a = await cluster.replica('a', { FEISHU_TOKEN_RATE_PER_SECOND: '40' });
    const b = await cluster.replica('b', { FEISHU_TOKEN_RATE_PER_SECOND: '40' });
    await waitFor(
      async () => (await cluster.states(users)).untouched === 0,
      150_000,
      'every token to be refreshed',
      1_000,
    );

    expect(await cluster.states(users)).toEqual({ rotated: 2000, reauth: 0, untouched: 0 });
    const stats = await cluster.control.stats();
    expect(stats.tokenRequests.refresh_token).toBe(2000);
    expect(stats.refreshTokenReuse).toBe(0);
    expect(stats.tokenRequestsPerSecondMax).toBeLessThanOrEqual(40);
    const [byA, byB] = [await refreshes(a), await refreshes(b)];
    expect(byA + byB).toBe(2000);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);

    // SIGTERM: both stop within 10 s, exit 0, and hold no lease afterwards.
    for (const running of [a, b]) {
      const { code, ms } = await running.stop();
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
    }
    expect(await cluster.dataSource.query(`SELECT id FROM user_tokens WHERE lease_owner IS NOT NULL`)).toEqual([]);
  });

  it('a sweeping replica killed with SIGKILL mid-batch, again and again: nothing lost, no refresh token presented twice', async () => {
    const users = await cluster.seed(600, 'Killed');
    await cluster.control.call('POST', '/_sim/stats/reset');
    for (let round = 0; round < 3; round += 1) {
      const victim = await cluster.replica(`victim-${round}`, { FEISHU_TOKEN_RATE_PER_SECOND: '50' });
      await waitFor(async () => (await refreshes(victim)) > 20, 30_000, 'the victim to be mid-sweep');
      victim.kill('SIGKILL');
      await victim.exited;
    }
    expect((await cluster.states(users)).untouched).toBeGreaterThan(0);
    const held: Array<{ count: number }> = await cluster.dataSource.query(
      `SELECT count(*)::int AS count FROM user_tokens WHERE lease_owner IS NOT NULL`,
    );
    expect(held[0]?.count).toBeGreaterThan(0);
    // The survivor takes over every lease the victims left when it runs out, and flags what was in flight.
    const survivor = await cluster.replica('survivor', { FEISHU_TOKEN_RATE_PER_SECOND: '50' });
    await waitFor(
      async () => (await cluster.states(users)).untouched === 0,
      120_000,
      'every token to be settled',
      1_000,
    );
    const settled = await cluster.states(users);
    expect(settled.rotated + settled.reauth).toBe(600);
    expect((await cluster.control.stats()).refreshTokenReuse).toBe(0);
    const { code } = await survivor.stop();
    expect(code).toBe(0);
  });
});
