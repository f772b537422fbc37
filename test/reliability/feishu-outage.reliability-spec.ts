import { startTcpProxy, TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../simulator/test-kit';
import { ReliabilityKit, sleep } from './reliability-kit';

jest.setTimeout(240_000);

// Counts (docs/reliability.md): 400 due tokens, Feishu (the simulator, behind a TCP proxy) down twice for 6 s
// during the sweep: nothing listens (connects are refused) and open connections are reset.
const TOKENS = 400;
const OUTAGES = 2;

describe('Feishu down and back during a sweep (the simulator behind a TCP proxy)', () => {
  const kit = new ReliabilityKit();
  let proxy: TcpProxy;
  beforeAll(async () => {
    await kit.start();
    const url = new URL(kit.sim.url);
    proxy = await startTcpProxy(url.hostname, Number(url.port));
  });
  afterAll(async () => {
    await kit.killAll();
    await proxy?.close();
    await kit.stop();
  });

  it(`${TOKENS} due tokens, ${OUTAGES} outages: transient outcomes only, no false reauthorization, all refreshed after`, async () => {
    const users = await kit.seed(TOKENS, 'Feishu outage');
    await kit.control.call('POST', '/_sim/stats/reset');
    const replica = await kit.replica('behind-proxy', { LARK_DOMAIN: `http://127.0.0.1:${proxy.port}` });
    let rotatedBefore = 0;
    for (let outage = 0; outage < OUTAGES; outage += 1) {
      await waitFor(
        async () => (await kit.states(users)).rotated > rotatedBefore + 40,
        60_000,
        'the sweep to be under way',
        200,
      );
      proxy.setMode('down');
      await sleep(6_000);
      proxy.setMode('pass');
      rotatedBefore = (await kit.states(users)).rotated;
    }
    await waitFor(async () => (await kit.states(users)).untouched === 0, 120_000, 'every token to be settled', 1_000);
    const settled = await kit.states(users);
    const stats = await kit.control.stats();
    const failures: Array<{ error: string; count: number }> = await kit.dataSource.query(
      `SELECT left(coalesce(last_error, ''), 60) AS error, count(*)::int AS count FROM user_tokens GROUP BY 1`,
    );
    const metrics = await (await fetch(`${replica.baseUrl}/metrics`)).text();
    const results = [...metrics.matchAll(/^lark_service_token_refresh_total\{result="(\w+)"\} (\S+)$/gm)]
      .filter((match) => Number(match[2]) > 0)
      .map((match) => `${match[1]}=${match[2]}`);
    console.log(
      `feishu-outage: ${settled.rotated} refreshed, ${settled.reauth} flagged, reuse ${stats.refreshTokenReuse}, ` +
        `refresh results ${results.join(' ')}, last errors ${JSON.stringify(failures)}`,
    );
    expect(stats.refreshTokenReuse).toBe(0);
    expect(settled.rotated + settled.reauth).toBe(TOKENS);
    // Only a request cut off after it left may be flagged (Feishu may have spent the refresh token); a refused
    // connection never is. At 50 requests/s, at most a handful are on the wire at a reset.
    expect(settled.reauth).toBeLessThanOrEqual(OUTAGES * 5);
  });
});
