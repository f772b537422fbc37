import { DataSource } from 'typeorm';

import { waitFor } from '../simulator/test-kit';
import { Harness, startHarness } from '../support/app-harness';
import { dmAndWaitForCard, metricValue, scrapeMetrics } from '../support/flow';

jest.setTimeout(90_000);

interface SessionRow {
  id: string;
  status: string;
  reason: string | null;
  message_id: string | null;
  card_failure: string | null;
  card_patch_pending: boolean;
}

/** Feishu's IM limits and the answers that end a card for good, against the simulator through the real SDK. */
describe('card delivery: rate limits and permanent failures (Postgres)', () => {
  let h: Harness;
  let dataSource: DataSource;
  let appId: string;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    dataSource = h.app.get(DataSource);
    appId = h.config.apps[0]!.appId;
  }, 30_000);
  afterAll(async () => h?.close());
  afterEach(async () => {
    await h.control.config({ messageRatePerApp: 50, messageRatePerUser: 5, patchRatePerMessage: 5 });
  });

  const sessionsOf = (openId: string): Promise<SessionRow[]> =>
    dataSource.query(
      `SELECT id, status, reason, message_id, card_failure, card_patch_pending FROM auth_sessions
        WHERE open_id = $1 ORDER BY created_at`,
      [openId],
    );

  const requests = async (api: string, outcome: string): Promise<number> =>
    metricValue(await scrapeMetrics(h.baseUrl), 'lark_service_feishu_requests_total', { api, outcome, app_id: appId });

  it('a burst of logins to one user meets 230020 and 99991400 and still delivers every card', async () => {
    // One user gets 12 logins (per-user limit: HTTP 400, 230020) while 6 others log in too (app-wide limit: HTTP 429,
    // 99991400 with x-ogw-ratelimit-reset). Feishu's limits are 5 per user and 50 per app; lower ones here make both
    // certain to trigger however slowly a loaded machine delivers the burst.
    await h.control.config({ messageRatePerUser: 2, messageRatePerApp: 4 });
    const user = await h.control.createUser('Burst Target');
    const others = await Promise.all(Array.from({ length: 6 }, (_, i) => h.control.createUser(`Bystander ${i}`)));
    const logins = 12;
    const replies = await Promise.all([
      ...Array.from({ length: logins }, () => h.control.userMessage(user.openId, 'login')),
      ...others.map((other) => h.control.userMessage(other.openId, 'login')),
    ]);
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    await waitFor(
      async () => (await sessionsOf(user.openId)).filter((session) => session.message_id).length === logins,
      60_000,
      'every card to be delivered',
      500,
    );
    const sessions = await sessionsOf(user.openId);
    expect(sessions.filter((session) => session.status === 'failed')).toEqual([]);
    expect(sessions.filter((session) => session.status === 'pending')).toHaveLength(1);
    const cards = (await h.control.messages(user.openId)).filter((message) => message.msgType === 'interactive');
    expect(cards).toHaveLength(logins);
    for (const other of others) {
      await waitFor(async () => !!(await sessionsOf(other.openId))[0]?.message_id, 30_000, 'a bystander card');
    }
    const logs = h.logs.join('\n');
    expect(logs).toContain('card send failed (rate_limited 230020)');
    expect(logs).toContain('card send failed (rate_limited 99991400)');
    const metrics = await scrapeMetrics(h.baseUrl);
    expect(metricValue(metrics, 'lark_service_auth_failure_total', { reason: 'card_send_failed' })).toBe(0);
  });

  it.each([
    ['recalled', (messageId: string) => h.control.recall(messageId)],
    ['deleted', (messageId: string) => h.control.deleteMessage(messageId)],
  ])('a card the user %s is not patched again, and the session says why', async (failure, remove) => {
    const user = await h.control.createUser(`Gone ${failure}`);
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    await remove(card.messageId);
    const before = await requests('message_patch', 'api_error');
    // A second login supersedes the first session, whose card can no longer be updated.
    await dmAndWaitForCard(h.control, user.openId, 'login');
    await waitFor(
      async () => (await sessionsOf(user.openId))[0]?.card_failure === failure,
      10_000,
      `card_failure ${failure}`,
    );
    const [first] = await sessionsOf(user.openId);
    expect(first).toMatchObject({ status: 'superseded', card_failure: failure, card_patch_pending: false });
    expect((await requests('message_patch', 'api_error')) - before).toBe(1);
  });

  it('a user who blocked the bot: one attempt, the session fails as user_unreachable with card_failure blocked', async () => {
    const user = await h.control.createUser('Blocker');
    await h.control.block(user.openId);
    const before = await requests('message_create', 'api_error');
    const reply = await h.api('POST', '/api/v1/auth-sessions', { openId: user.openId });
    expect(reply.status).toBe(422);
    const [session] = await sessionsOf(user.openId);
    expect(session).toMatchObject({ status: 'failed', reason: 'user_unreachable', card_failure: 'blocked' });
    const [viewed] = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body;
    expect(viewed).toMatchObject({ status: 'failed', reason: 'user_unreachable', cardFailure: 'blocked' });
    expect((await requests('message_create', 'api_error')) - before).toBe(1);
    // The DM path gives up at once as well: the inbox records one failed attempt, no retries.
    await h.control.userMessage(user.openId, 'status');
    await waitFor(
      async () => {
        const rows: Array<{ status: string; attempts: number }> = await dataSource.query(
          `SELECT status, attempts FROM event_inbox WHERE app_id = $1 AND payload->>'openId' = $2`,
          [appId, user.openId],
        );
        return rows.length === 1 && rows[0]?.status === 'failed' && rows[0]?.attempts === 1;
      },
      10_000,
      'the status DM to fail once',
    );
  });

  it('a card older than 14 days (230031) is left as it is', async () => {
    const user = await h.control.createUser('Old Card');
    await dmAndWaitForCard(h.control, user.openId, 'login');
    await h.control.advanceClock(15 * 86400);
    await dmAndWaitForCard(h.control, user.openId, 'login');
    await waitFor(
      async () => (await sessionsOf(user.openId))[0]?.card_failure === 'too_old',
      10_000,
      'card_failure too_old',
    );
    expect((await sessionsOf(user.openId))[0]).toMatchObject({ status: 'superseded', card_patch_pending: false });
  });
});
