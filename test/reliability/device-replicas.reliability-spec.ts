import { waitFor } from '../simulator/test-kit';
import { authorizeUrlOf } from '../support/flow';
import { Replica } from '../support/replica';
import { ReplicaCluster } from '../support/replica-cluster';

jest.setTimeout(180_000);

const API_TOKEN = 'replica-api-token-0123456789';
const INTERVAL_SECONDS = 2;

/** Two service processes on one database and one simulator share the polling of device-flow sessions. */
describe('device-flow polling across replicas (separate processes, Postgres)', () => {
  const cluster = new ReplicaCluster({
    apiToken: API_TOKEN,
    simulator: { deviceIntervalSeconds: INTERVAL_SECONDS },
    env: { FEISHU_HTTP_TIMEOUT_MS: '2000' },
  });
  const { replicas } = cluster;

  beforeAll(async () => {
    await cluster.start();
    await Promise.all([cluster.replica('a'), cluster.replica('b')]);
  });
  afterAll(() => cluster.stop());

  const devicePolls = async () => (await cluster.control.stats()).tokenRequests.device_code;

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
    const { user, sessionId, card } = await cluster.sendCard(replica, name);
    return { user, id: sessionId, verificationUrl: authorizeUrlOf(card) };
  }

  it('polls one session at most once per interval whatever the number of replicas', async () => {
    const before = await cluster.control.stats();
    const { user, id, verificationUrl } = await start(replicas[0] as Replica, 'Replica Rita');
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const polls = (await devicePolls()) - before.tokenRequests.device_code;
    const seconds = (Date.now() - startedAt) / 1000;
    // The first poll is due one interval after the device code was issued; then one per interval (+ the sweep's 1 s).
    expect(polls).toBeGreaterThanOrEqual(Math.floor(seconds / (INTERVAL_SECONDS + 1)));
    expect(polls).toBeLessThanOrEqual(Math.floor(seconds / INTERVAL_SECONDS));
    expect((await cluster.control.stats()).deviceSlowDowns).toBe(before.deviceSlowDowns);

    await cluster.control.authorizeDevice(user.openId, 'approve', verificationUrl);
    const done = await api(replicas[1] as Replica, 'GET', `/api/v1/auth-sessions/${id}?waitSeconds=20`);
    expect(done.body).toMatchObject({ status: 'completed', flow: 'device' });
    expect((await cluster.control.stats()).deviceSlowDowns).toBe(before.deviceSlowDowns);
  });

  it('a replica killed (SIGKILL) while polling: the other takes over once the lease runs out and finishes', async () => {
    const before = await cluster.control.stats();
    const { user, id, verificationUrl } = await start(replicas[1] as Replica, 'Replica Kim');
    const first = await devicePolls();
    await waitFor(async () => (await devicePolls()) > first, 10_000, 'a first poll');
    // The next poll hangs at the simulator: the replica that sent it dies holding the lease.
    await cluster.control.fault('token', 'timeout', 1);
    const held = await devicePolls();
    await waitFor(async () => (await devicePolls()) > held, 10_000, 'the poll that hangs');
    const [row] = await cluster.dataSource.query('SELECT lease_owner, lease_until FROM auth_sessions WHERE id = $1', [
      id,
    ]);
    const holder = replicas.find((replica) => ownerOf(replica) === row.lease_owner);
    if (!holder) throw new Error(`no replica owns lease ${String(row.lease_owner)}`);
    const survivor = replicas.find((replica) => replica !== holder) as Replica;
    holder.kill('SIGKILL');
    await holder.exited;
    const leaseUntil = new Date(row.lease_until).getTime();

    await cluster.control.authorizeDevice(user.openId, 'approve', verificationUrl);
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
    const [after] = await cluster.dataSource.query('SELECT status, lease_owner FROM auth_sessions WHERE id = $1', [id]);
    expect(after).toEqual({ status: 'completed', lease_owner: null });
    expect((await cluster.control.stats()).deviceSlowDowns).toBe(before.deviceSlowDowns);
  });
});
