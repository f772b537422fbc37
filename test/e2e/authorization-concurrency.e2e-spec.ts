import { startHarness, Harness } from '../support/app-harness';
import {
  authFailureIncrease,
  authorizeUrlOf,
  consent,
  declineValueOf,
  dmAndWaitForCard,
  headerTemplate,
  headerTitle,
  messageById,
  metricValue,
  openPage,
  scrapeMetrics,
} from '../support/flow';

// Races and competing requests: one callback URL opened 20 times at once, a newer card superseding an older
// one, and the card's Decline button (card.action.trigger over the WebSocket).

async function sessionsOf(
  h: Harness,
  openId: string,
): Promise<Array<{ id: string; status: string; reason: string | null }>> {
  const list = await h.api('GET', `/api/v1/auth-sessions?openId=${openId}`);
  expect(list.status).toBe(200);
  return list.body;
}

describe('authorization concurrency (Postgres)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
  }, 30_000);
  afterAll(async () => h?.close());

  it('20 concurrent requests of one callback URL → one code exchange, one success page, the rest 202 (in progress) or 409', async () => {
    const user = await h.control.createUser('Twenty Tabs');
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    const location = await consent(h.control, user.openId, authorizeUrlOf(card));
    const before = await scrapeMetrics(h.baseUrl);
    const statsBefore = await h.control.stats();

    const pages = await Promise.all(Array.from({ length: 20 }, () => openPage(location)));

    // A request that arrives while the winner exchanges the code gets the self-refreshing "in progress" page; one
    // that arrives after it finished gets "already used". Neither touches the code.
    const statuses = pages.map((page) => page.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 202 || status === 409)).toBe(true);
    const replays = statuses.filter((status) => status === 409).length;
    expect(pages.find((page) => page.status === 200)?.html).toContain('Twenty Tabs');
    for (const page of pages.filter((p) => p.status === 409)) expect(page.html).toContain('This link was already used');
    for (const page of pages.filter((p) => p.status === 202)) {
      expect(page.html).toContain('<meta http-equiv="refresh"');
    }

    const statsAfter = await h.control.stats();
    expect(statsAfter.tokenRequests.authorization_code - statsBefore.tokenRequests.authorization_code).toBe(1);
    expect(statsAfter.codeReuse).toBe(statsBefore.codeReuse);
    const after = await scrapeMetrics(h.baseUrl);
    expect(metricValue(after, 'lark_service_auth_success_total')).toBe(
      metricValue(before, 'lark_service_auth_success_total') + 1,
    );
    expect(authFailureIncrease(before, after)).toEqual(replays > 0 ? { replayed: replays } : {});

    const sessions = await sessionsOf(h, user.openId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 'completed', reason: null });
    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(200);
    const userInfo = await fetch(`${h.sim.url}/open-apis/authen/v1/user_info`, {
      headers: { authorization: `Bearer ${token.body.accessToken}` },
    }).then((response) => response.json());
    expect(userInfo.data.open_id).toBe(user.openId);
    const updated = await messageById(h.control, user.openId, card.messageId);
    expect(headerTemplate(updated)).toBe('green');
  }, 20_000);

  it('a second login supersedes the first: old card greyed, old link 409, only the new link completes', async () => {
    const user = await h.control.createUser('Asked Twice');
    const first = await dmAndWaitForCard(h.control, user.openId, 'login');
    const second = await dmAndWaitForCard(h.control, user.openId, 'login');
    expect(second.messageId).not.toBe(first.messageId);

    const oldCard = await messageById(h.control, user.openId, first.messageId);
    expect(headerTitle(oldCard)).toBe('This request was replaced');
    expect(headerTemplate(oldCard)).toBe('grey');
    expect(JSON.stringify(oldCard.content)).not.toContain('open_url');
    const [newest, older] = await sessionsOf(h, user.openId);
    expect(newest).toMatchObject({ status: 'pending' });
    expect(older).toMatchObject({ status: 'superseded', reason: 'superseded' });

    const before = await scrapeMetrics(h.baseUrl);
    const exchangesBefore = (await h.control.stats()).tokenRequests.authorization_code;
    const oldPage = await openPage(await consent(h.control, user.openId, authorizeUrlOf(first)));
    expect(oldPage.status).toBe(409);
    expect(oldPage.html).toContain('This request was replaced by a newer one.');
    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ replayed: 1 });
    expect((await h.control.stats()).tokenRequests.authorization_code).toBe(exchangesBefore);
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(404);

    const newPage = await openPage(await consent(h.control, user.openId, authorizeUrlOf(second)));
    expect(newPage.status).toBe(200);
    const [completed, superseded] = await sessionsOf(h, user.openId);
    expect(completed).toMatchObject({ id: newest?.id, status: 'completed' });
    expect(superseded).toMatchObject({ id: older?.id, status: 'superseded' });
    expect(headerTemplate(await messageById(h.control, user.openId, second.messageId))).toBe('green');
    expect(headerTitle(await messageById(h.control, user.openId, first.messageId))).toBe('This request was replaced');
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(200);
  }, 20_000);

  it('5 concurrent session requests for one user → all 201, exactly one left pending, the rest superseded', async () => {
    const user = await h.control.createUser('Impatient');
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => h.api('POST', '/api/v1/auth-sessions', { openId: user.openId })),
    );
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
    const sessions = await sessionsOf(h, user.openId);
    expect(sessions).toHaveLength(5);
    expect(sessions.filter((session) => session.status === 'pending')).toHaveLength(1);
    expect(sessions.filter((session) => session.status === 'superseded')).toHaveLength(4);
  }, 20_000);

  it("Decline: only the card's user can decline; the card becomes declined with a toast; a second click is a no-op", async () => {
    const user = await h.control.createUser('Declines');
    const stranger = await h.control.createUser('Someone Else');
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    const value = declineValueOf(card);
    expect(value.action).toBe('decline');
    const [session] = await sessionsOf(h, user.openId);
    expect(value.session).toBe(session?.id);

    const foreign = await h.control.cardAction(card.messageId, stranger.openId, value);
    expect(foreign.status).toBe(200);
    expect(foreign.body).toEqual({ toast: { type: 'warning', content: 'This request is no longer active' } });
    expect((await sessionsOf(h, user.openId))[0]).toMatchObject({ status: 'pending', reason: null });
    expect((await messageById(h.control, user.openId, card.messageId)).updates).toEqual([]);

    const before = await scrapeMetrics(h.baseUrl);
    const declined = await h.control.cardAction(card.messageId, user.openId, value);
    expect(declined.status).toBe(200);
    const response = declined.body as { toast?: { type: string; content: string }; card?: { type: string; data: any } };
    expect(response.toast).toEqual({ type: 'info', content: 'Authorization declined' });
    expect(response.card?.type).toBe('raw');
    expect(response.card?.data.header.title.content).toBe('Authorization declined');
    expect(response.card?.data.header.template).toBe('grey');

    const updated = await messageById(h.control, user.openId, card.messageId);
    expect(updated.updates).toHaveLength(1);
    expect(updated.updates[0]).toMatchObject({ source: 'callback', content: response.card?.data });
    expect(headerTitle(updated)).toBe('Authorization declined');
    expect((await sessionsOf(h, user.openId))[0]).toMatchObject({ status: 'rejected', reason: 'denied' });
    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ denied: 1 });

    const again = await h.control.cardAction(card.messageId, user.openId, value);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ toast: { type: 'info', content: 'This request is no longer active' } });
    expect((await messageById(h.control, user.openId, card.messageId)).updates).toHaveLength(1);

    // The declined session's link is dead too.
    const page = await openPage(await consent(h.control, user.openId, authorizeUrlOf(card)));
    expect(page.status).toBe(409);
    expect(page.html).toContain('This request was declined earlier');
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(404);
  }, 20_000);
});
