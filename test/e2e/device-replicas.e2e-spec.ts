import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { SimControlClient, Simulator, startSimulator } from '../simulator';
import { waitFor } from '../simulator/test-kit';
import { createTestDataSource, createTestSchema, TestSchema } from '../support/database';
import { authorizeUrlOf } from '../support/flow';
import { Replica, startReplica } from '../support/replica';

jest.setTimeout(180_000);

const APP_ID = 'cli_0123456789abcdef';
const API_TOKEN = 'replica-api-token-0123456789';
const INTERVAL_SECONDS = 2;

/** Two service processes on one database and one simulator share the polling of device-flow sessions. */
describe('device-flow polling across replicas (separate processes, Postgres)', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let schema: TestSchema;
  let dataSource: DataSource;
  let replicas: Replica[] = [];
  const keys = `k1:${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
    schema = await createTestSchema();
    dataSource = await createTestDataSource({ schema: schema.schema });
    await control.config({ deviceIntervalSeconds: INTERVAL_SECONDS });
    const env = {
      LARK_APP_ID: APP_ID,
      LARK_APP_SECRET: 'sim-app-secret',
      LARK_DOMAIN: sim.url,
      DATABASE_URL: schema.url,
      TOKEN_ENCRYPTION_KEYS: keys,
      API_TOKENS: API_TOKEN,
      FEISHU_HTTP_TIMEOUT_MS: '2000',
    };
    replicas = await Promise.all([startReplica('a', env), startReplica('b', env)]);
  });
  afterAll(async () => {
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited));
    await dataSource?.destroy();
    await schema?.drop();
    await sim?.close();
  });

  const devicePolls = async () => (await control.stats()).tokenRequests.device_code;

  function ownerOf(replica: Replica): string {
    const line = replica.logs.find((entry) => entry.includes('device-flow polling as lease owner'));
    const owner = /lease owner ([0-9a-f-]{36})/.exec(line ?? '')?.[1];
    if (!owner) throw new Error(`replica ${replica.name} did not say its lease owner`);
    return owner;
  }

  async function api(replica: Replica, method: string, path: string, body?: unknown) {
    const response = await fetch(replica.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  async function start(replica: Replica, name: string) {
    const user = await control.createUser(name);
    const created = await api(replica, 'POST', '/api/v1/auth-sessions', { openId: user.openId });
    expect(created.status).toBe(201);
    const [card] = await control.messages(user.openId);
    if (!card) throw new Error('no card');
    return { user, id: created.body.id as string, verificationUrl: authorizeUrlOf(card) };
  }

  it('polls one session at most once per interval whatever the number of replicas', async () => {
    const before = await control.stats();
    const { user, id, verificationUrl } = await start(replicas[0] as Replica, 'Replica Rita');
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const polls = (await devicePolls()) - before.tokenRequests.device_code;
    const seconds = (Date.now() - startedAt) / 1000;
    // The first poll is due one interval after the device code was issued; then one per interval (+ the sweep's 1 s).
    expect(polls).toBeGreaterThanOrEqual(Math.floor(seconds / (INTERVAL_SECONDS + 1)));
    expect(polls).toBeLessThanOrEqual(Math.floor(seconds / INTERVAL_SECONDS));
    expect((await control.stats()).deviceSlowDowns).toBe(before.deviceSlowDowns);

    await control.authorizeDevice(user.openId, 'approve', verificationUrl);
    const done = await api(replicas[1] as Replica, 'GET', `/api/v1/auth-sessions/${id}?waitSeconds=20`);
    expect(done.body).toMatchObject({ status: 'completed', flow: 'device' });
    expect((await control.stats()).deviceSlowDowns).toBe(before.deviceSlowDowns);
  });

  it('a replica killed (SIGKILL) while polling: the other takes over once the lease runs out and finishes', async () => {
    const before = await control.stats();
    const { user, id, verificationUrl } = await start(replicas[1] as Replica, 'Replica Kim');
    const first = await devicePolls();
    await waitFor(async () => (await devicePolls()) > first, 10_000, 'a first poll');
    // The next poll hangs at the simulator: the replica that sent it dies holding the lease.
    await control.fault('token', 'timeout', 1);
    const held = await devicePolls();
    await waitFor(async () => (await devicePolls()) > held, 10_000, 'the poll that hangs');
    const [row] = await dataSource.query('SELECT lease_owner, lease_until FROM auth_sessions WHERE id = $1', [id]);
    const holder = replicas.find((replica) => ownerOf(replica) === row.lease_owner);
    if (!holder) throw new Error(`no replica owns lease ${String(row.lease_owner)}`);
    const survivor = replicas.find((replica) => replica !== holder) as Replica;
    holder.kill('SIGKILL');
    await holder.exited;
    const leaseUntil = new Date(row.lease_until).getTime();

    await control.authorizeDevice(user.openId, 'approve', verificationUrl);
    const polled = await devicePolls();
    let nextPollAt = 0;
    await waitFor(
      async () => {
        if ((await devicePolls()) > polled && nextPollAt === 0) nextPollAt = Date.now();
        return nextPollAt > 0;
      },
      20_000,
      "the survivor's poll",
      100,
    );
    // Nobody polled the session while the dead replica's lease was running.
    expect(nextPollAt).toBeGreaterThanOrEqual(leaseUntil - 100);
    const done = await api(survivor, 'GET', `/api/v1/auth-sessions/${id}?waitSeconds=20`);
    expect(done.body).toMatchObject({ status: 'completed' });
    const [after] = await dataSource.query('SELECT status, lease_owner FROM auth_sessions WHERE id = $1', [id]);
    expect(after).toEqual({ status: 'completed', lease_owner: null });
    expect((await control.stats()).deviceSlowDowns).toBe(before.deviceSlowDowns);
  });
});
