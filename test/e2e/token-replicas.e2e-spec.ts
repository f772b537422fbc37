import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { sha256Hex } from '../../src/common/sha256';
import { parseEncryptionKeys } from '../../src/config/encryption-keys';
import { SimControlClient, Simulator, startSimulator } from '../simulator';
import { waitFor } from '../simulator/test-kit';
import { createTestDataSource, createTestSchema, TestSchema } from '../support/database';
import { metricValue } from '../support/flow';
import { Replica, startReplica } from '../support/replica';
import { SeededUser, seedAuthorizedUsers } from '../support/seed-tokens';

jest.setTimeout(180_000);

const APP_ID = 'cli_0123456789abcdef';

/** Two or more service processes on one database and one simulator: the refresh must happen once per token. */
describe('token refresh across replicas (separate processes, Postgres)', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let schema: TestSchema;
  let dataSource: DataSource;
  const replicas: Replica[] = [];
  const keys = `k1:${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
    schema = await createTestSchema();
    dataSource = await createTestDataSource({ schema: schema.schema });
    // The simulator never throttles here: what it sees is what the service sent.
    await control.config({ tokenRatePerSecond: 0 });
  });
  // A failed test must not leave its replicas sweeping the next test's tokens.
  afterEach(async () => {
    for (const replica of replicas.splice(0)) {
      replica.kill('SIGKILL');
      await replica.exited;
    }
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await schema?.drop();
    await sim?.close();
  });

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      LARK_APP_ID: APP_ID,
      LARK_APP_SECRET: 'sim-app-secret',
      LARK_DOMAIN: sim.url,
      DATABASE_URL: schema.url,
      TOKEN_ENCRYPTION_KEYS: keys,
      API_TOKENS: 'replica-api-token-0123456789',
      TOKEN_REFRESH_SWEEP_SECONDS: '1',
      FEISHU_HTTP_TIMEOUT_MS: '2000',
      ...extra,
    };
  }

  async function replica(name: string, extra: Record<string, string> = {}): Promise<Replica> {
    const started = await startReplica(name, env(extra));
    replicas.push(started);
    return started;
  }

  async function seed(count: number, prefix: string): Promise<SeededUser[]> {
    const parsed = parseEncryptionKeys(keys);
    if (!parsed.ok) throw new Error('bad test key');
    return seedAuthorizedUsers({
      control,
      dataSource,
      keys: parsed.value,
      appId: APP_ID,
      count,
      dueInSeconds: -60,
      namePrefix: prefix,
    });
  }

  async function states(users: SeededUser[]): Promise<{ rotated: number; reauth: number; untouched: number }> {
    const rows: Array<{ open_id: string; status: string; refresh_token_hash: string | null }> = await dataSource.query(
      `SELECT open_id, status, refresh_token_hash FROM user_tokens WHERE open_id = ANY($1)`,
      [users.map((user) => user.openId)],
    );
    const seeded = new Map(users.map((user) => [user.openId, sha256Hex(user.refreshToken)]));
    let rotated = 0;
    let reauth = 0;
    for (const row of rows) {
      if (row.status === 'reauth_required') reauth += 1;
      else if (row.status === 'active' && row.refresh_token_hash !== seeded.get(row.open_id)) rotated += 1;
    }
    return { rotated, reauth, untouched: users.length - rotated - reauth };
  }

  async function refreshes(replica: Replica): Promise<number> {
    const text = await fetch(`${replica.baseUrl}/metrics`).then((response) => response.text());
    return metricValue(text, 'lark_service_token_refresh_total', { result: 'success' });
  }

  it('2,000 due tokens on two replicas: each refreshed exactly once, within 40 requests in any second', async () => {
    const users = await seed(2000, 'Budget');
    await control.call('POST', '/_sim/stats/reset');
    const a = await replica('a', { FEISHU_TOKEN_RATE_PER_SECOND: '40' });
    const b = await replica('b', { FEISHU_TOKEN_RATE_PER_SECOND: '40' });
    await waitFor(async () => (await states(users)).untouched === 0, 150_000, 'every token to be refreshed', 1_000);

    expect(await states(users)).toEqual({ rotated: 2000, reauth: 0, untouched: 0 });
    const stats = await control.stats();
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
    expect(await dataSource.query(`SELECT id FROM user_tokens WHERE lease_owner IS NOT NULL`)).toEqual([]);
  });

  it('a sweeping replica killed with SIGKILL mid-batch, again and again: nothing lost, no refresh token presented twice', async () => {
    const users = await seed(600, 'Killed');
    await control.call('POST', '/_sim/stats/reset');
    for (let round = 0; round < 3; round += 1) {
      const victim = await replica(`victim-${round}`, { FEISHU_TOKEN_RATE_PER_SECOND: '50' });
      await waitFor(async () => (await refreshes(victim)) > 20, 30_000, 'the victim to be mid-sweep');
      victim.kill('SIGKILL');
      await victim.exited;
    }
    expect((await states(users)).untouched).toBeGreaterThan(0);
    const held: Array<{ count: number }> = await dataSource.query(
      `SELECT count(*)::int AS count FROM user_tokens WHERE lease_owner IS NOT NULL`,
    );
    expect(held[0]?.count).toBeGreaterThan(0);
    // The survivor takes over every lease the victims left when it runs out, and flags what was in flight.
    const survivor = await replica('survivor', { FEISHU_TOKEN_RATE_PER_SECOND: '50' });
    await waitFor(async () => (await states(users)).untouched === 0, 120_000, 'every token to be settled', 1_000);
    const settled = await states(users);
    expect(settled.rotated + settled.reauth).toBe(600);
    expect((await control.stats()).refreshTokenReuse).toBe(0);
    const { code } = await survivor.stop();
    expect(code).toBe(0);
  });
});
