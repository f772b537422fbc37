import { declineValueOf, metricValue } from '../support/flow';
import { APP_ID, ReliabilityKit, sleep } from './reliability-kit';

jest.setTimeout(180_000);

// Counts (docs/reliability.md): 60 cards, each declined with one click; the WebSocket dropped 10 times while the
// clicks go out (the simulator redelivers an unacked event after 1 s).
const CARDS = 60;
const DROPS = 10;

describe('the WebSocket dropped again and again during card clicks', () => {
  const kit = new ReliabilityKit();
  beforeAll(() => kit.start());
  afterAll(() => kit.stop());

  it(`${CARDS} clicks, ${DROPS} drops: every click answered or redelivered, none applied twice`, async () => {
    await kit.control.config({ ackTimeoutMs: 1_000 });
    const replica = await kit.replica('clicked');
    await kit.control.waitForWsConnections(1, 30_000, APP_ID);
    const cards: Array<{ openId: string; messageId: string; value: { action: string; session: string } }> = [];
    for (let i = 0; i < CARDS; i += 1) {
      const { user, card } = await kit.sendCard(replica, `Clicker ${i}`);
      cards.push({ openId: user.openId, messageId: card.messageId, value: declineValueOf(card) });
    }
    await kit.control.call('POST', '/_sim/stats/reset');

    // Drops while the clicks go out: each time the SDK reconnects, the connection is dropped again a moment later.
    let dropped = 0;
    const dropper = (async () => {
      while (dropped < DROPS) {
        await kit.control.waitForWsConnections(1, 30_000, APP_ID);
        await sleep(200 + Math.floor(Math.random() * 400));
        dropped += await kit.control.dropWebSockets(APP_ID);
      }
    })();
    // A click while no connection is up is refused at once (the Feishu client says so, the user clicks again).
    const refusals: number[] = [];
    const click = async (index: number) => {
      const card = cards[index]!;
      const deadline = Date.now() + 60_000;
      for (let attempt = 0; ; attempt += 1) {
        const reply = await kit.control.cardAction(card.messageId, card.openId, card.value);
        if (reply.status === 200) return reply;
        refusals.push(reply.status);
        if (Date.now() > deadline) throw new Error(`click ${index} never answered: ${reply.status}`);
        await sleep(300);
      }
    };
    const replies = [];
    for (let start = 0; start < CARDS; start += 2) {
      replies.push(...(await Promise.all([start, start + 1].map(click))));
      await sleep(400);
    }
    await dropper;

    const rows: Array<{ status: string; reason: string; count: number }> = await kit.dataSource.query(
      `SELECT status, reason, count(*)::int AS count FROM auth_sessions GROUP BY 1, 2`,
    );
    const metrics = await (await fetch(`${replica.baseUrl}/metrics`)).text();
    const stats = await kit.control.stats(APP_ID);
    console.log(
      `websocket-drops: ${dropped} connections dropped, ${replies.length} clicks answered, ` +
        `${refusals.length} refused while down (${[...new Set(refusals)].join(',')}), ` +
        `${stats.wsEventsRedelivered} redeliveries, sessions ${JSON.stringify(rows)}`,
    );
    expect(dropped).toBeGreaterThanOrEqual(DROPS);
    expect(replies).toHaveLength(CARDS);
    // Refusals only say "no connection now" (503) or "no ack in time" (504): never a failure of the handler.
    for (const status of refusals) expect([503, 504]).toContain(status);
    // Each decline applied exactly once: every session rejected, and the metric counted each once.
    expect(rows).toEqual([{ status: 'rejected', reason: 'denied', count: CARDS }]);
    expect(metricValue(metrics, 'lark_service_auth_failure_total', { reason: 'denied' })).toBe(CARDS);
  });
});
