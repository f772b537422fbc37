import { waitFor } from '../simulator/test-kit';
import { ReliabilityKit, sleep } from './reliability-kit';

jest.setTimeout(600_000);

// Counts (docs/reliability.md): 10,000 due tokens, two replicas, one of them killed with SIGKILL 20 times mid-sweep.
// The budget of 50 token requests a second (all replicas together) makes this a run of about four minutes.
const TOKENS = 10_000;
const KILLS = 20;
// Lease = max(10 s, 3 × FEISHU_HTTP_TIMEOUT_MS of 2 s); a survivor sweeping every second takes a row over after it.
const LEASE_MS = 10_000;

describe('kill -9 of a replica mid-sweep, again and again (two replicas, Postgres, simulator)', () => {
  const kit = new ReliabilityKit();
  beforeAll(() => kit.start());
  afterAll(() => kit.stop());

  it(`${TOKENS} due tokens, ${KILLS} kills: no refresh token presented twice, every token refreshed or flagged, leases taken over in time`, async () => {
    const users = await kit.seed(TOKENS, 'Killed');
    await kit.control.call('POST', '/_sim/stats/reset');
    await kit.replica('survivor');
    // Per kill: how long after it the last lease alive at that moment ran out; and every row leased at a kill.
    const freedAfter: number[] = [];
    const heldAtKill = new Set<string>();
    for (let round = 0; round < KILLS; round += 1) {
      const victim = await kit.replica(`victim-${round}`);
      await sleep(700 + Math.floor(Math.random() * 800));
      const killedAt = Date.now();
      victim.kill('SIGKILL');
      await victim.exited;
      kit.replicas.splice(kit.replicas.indexOf(victim), 1);
      // The leases alive when it died (the victim's and the survivor's): none runs longer than the lease time, so the
      // dead replica's rows come free within it, and the survivor takes them in due order (all are equally due here).
      const held: Array<{ id: string; lease_until: Date }> = await kit.dataSource.query(
        `SELECT id, lease_until FROM user_tokens WHERE lease_owner IS NOT NULL AND lease_until > now()`,
      );
      for (const row of held) heldAtKill.add(row.id);
      if (held.length > 0) {
        freedAfter.push(Math.max(...held.map((row) => new Date(row.lease_until).getTime())) - killedAt);
      }
    }
    await waitFor(async () => (await kit.states(users)).untouched === 0, 400_000, 'every token to be settled', 2_000);
    const settled = await kit.states(users);
    const stats = await kit.control.stats();
    console.log(
      `replica-kill: ${KILLS} kills, ${settled.rotated} refreshed, ${settled.reauth} flagged, ` +
        `${stats.tokenRequests.refresh_token} refresh requests, reuse ${stats.refreshTokenReuse}, ` +
        `${heldAtKill.size} rows leased at a kill, all leases free at most ${Math.max(0, ...freedAfter)} ms after a kill`,
    );
    expect(settled.rotated + settled.reauth).toBe(TOKENS);
    expect(stats.refreshTokenReuse).toBe(0);
    // Only tokens whose request was in flight at a kill may be flagged: at most the in-flight rows of each kill.
    expect(settled.reauth).toBeLessThanOrEqual(KILLS * 5);
    for (const ms of freedAfter) expect(ms).toBeLessThanOrEqual(LEASE_MS + 1_000);
    // Every row leased at a kill (a dead replica’s among them) was taken over and settled.
    const leftover: unknown[] = await kit.dataSource.query(
      `SELECT id FROM user_tokens WHERE id = ANY($1) AND status = 'active' AND refresh_due_at <= now()`,
      [[...heldAtKill]],
    );
    expect(leftover).toEqual([]);
  });
});
