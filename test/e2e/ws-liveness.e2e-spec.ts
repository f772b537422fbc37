import { waitFor } from '../simulator/test-kit';
import { Harness, startHarness } from '../support/app-harness';
import { dmAndWaitForCard, headerTitle, metricValue, scrapeMetrics } from '../support/flow';

jest.setTimeout(60_000);

const PING_INTERVAL_SECONDS = 2;

/**
 * A long connection that goes silent without closing (no pong, no events, socket open): the SDK's ping timeout
 * finds it within two ping intervals, the gateway reconnects, and /readyz and lark_service_ws_connected show it.
 */
describe('dead long connections (ws_silent)', () => {
  let h: Harness;
  let appId: string;

  beforeAll(async () => {
    h = await startHarness({
      database: 'postgres',
      env: { LARK_WS_PING_TIMEOUT_SECONDS: String(PING_INTERVAL_SECONDS) },
    });
    appId = h.config.apps[0]!.appId;
    // The ping interval comes with the connection's ClientConfig, so reconnect once to pick up the short one.
    await h.control.config({ wsPingInterval: PING_INTERVAL_SECONDS, wsReconnectInterval: 2 });
    await h.control.dropWebSockets();
    await waitFor(async () => (await fetch(`${h.baseUrl}/readyz`)).status === 200, 15_000, 'ready again');
  }, 40_000);
  afterAll(async () => h?.close());

  it('is detected within two ping intervals, reconnected, and reported while it is down', async () => {
    const seen: Array<{ at: number; ready: boolean; connected: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const ready = (await fetch(`${h.baseUrl}/readyz`)).status === 200;
        const connected = metricValue(await scrapeMetrics(h.baseUrl), 'lark_service_ws_connected', { app_id: appId });
        seen.push({ at: Date.now(), ready, connected });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // The first reconnect attempt fails, so the outage lasts at least one reconnect interval (2 s) and the poller
    // sees it however fast the SDK would otherwise be back.
    await h.control.call('POST', '/_sim/faults', { api: 'ws_endpoint', kind: 'http500', count: 1, appId });
    const silencedAt = Date.now();
    expect((await h.control.silenceWebSockets(appId)).silenced).toBe(1);
    await waitFor(
      async () => (await h.control.wsStatus()).clients.some((client) => client.appId === appId && !client.silent),
      15_000,
      'a new, live connection',
    );
    await waitFor(async () => (await fetch(`${h.baseUrl}/readyz`)).status === 200, 10_000, 'ready again');
    polling = false;
    await poller;

    const down = seen.find((sample) => sample.at > silencedAt && !sample.ready);
    expect(down).toBeDefined();
    // Two ping intervals, plus the poll step and a little scheduling slack.
    expect(down!.at - silencedAt).toBeLessThan(2 * PING_INTERVAL_SECONDS * 1000 + 1_000);
    expect(seen.some((sample) => sample.at > silencedAt && sample.connected === 0)).toBe(true);
    expect(metricValue(await scrapeMetrics(h.baseUrl), 'lark_service_ws_connected', { app_id: appId })).toBe(1);
    expect(h.logs.join('\n')).toContain('connection lost, reconnecting');

    // The new connection carries events again.
    const card = await dmAndWaitForCard(h.control, (await h.control.createUser('After Silence')).openId, 'status');
    expect(headerTitle(card)).toBe('Authorization status');
  });
});
