import { randomBytes } from 'node:crypto';

import { startHarness, Harness } from '../support/app-harness';
import { FakeClock } from '../support/fake-clock';
import {
  authFailureIncrease,
  consent,
  headerTemplate,
  headerTitle,
  messageById,
  metricValue,
  onlySession,
  openPage,
  scrapeMetrics,
  startSession,
} from '../support/flow';

// Every failure row of the result-page table (docs/architecture.md), through /_sim, /callback, /api and /metrics only.

async function expectNoToken(h: Harness, openId: string): Promise<void> {
  const token = await h.api('GET', `/api/v1/users/${openId}/token`);
  expect(token.status).toBe(404);
  expect(token.body.error.code).toBe('USER_TOKEN_NOT_FOUND');
}

/** The page is readable HTML and echoes neither the code nor the state of its URL. */
function expectPageWithoutSecrets(page: { html: string; headers: Headers }, url: string): void {
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(page.headers.get('cache-control')).toBe('no-store');
  const params = new URL(url).searchParams;
  for (const secret of [params.get('code'), params.get('state')]) {
    if (secret) {
      expect(page.html).not.toContain(secret);
      expect(page.html).not.toContain(encodeURIComponent(secret));
    }
  }
}

describe('authorization failures (Postgres)', () => {
  let h: Harness;
  let callbackUrl: string;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    callbackUrl = h.config.oauth.redirectUri ?? '';
  }, 30_000);
  afterAll(async () => h?.close());

  it('forged state and code → 400 invalid_state; the real pending session is untouched', async () => {
    const { user } = await startSession(h, 'Forged State');
    const before = await scrapeMetrics(h.baseUrl);
    const url = `${callbackUrl}?code=${randomBytes(24).toString('base64url')}&state=${randomBytes(32).toString('base64url')}`;

    const page = await openPage(url);
    expect(page.status).toBe(400);
    expect(page.html).toContain('Invalid authorization link');
    expectPageWithoutSecrets(page, url);

    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ invalid_state: 1 });
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'pending', reason: null });
    await expectNoToken(h, user.openId);
  });

  it('a callback without state, or a denial with a forged state → 400 invalid_state', async () => {
    for (const query of [
      `code=${randomBytes(24).toString('base64url')}`,
      `error=access_denied&state=${randomBytes(32).toString('base64url')}`,
    ]) {
      const before = await scrapeMetrics(h.baseUrl);
      const url = `${callbackUrl}?${query}`;
      const page = await openPage(url);
      expect(page.status).toBe(400);
      expect(page.html).toContain('Invalid authorization link');
      expectPageWithoutSecrets(page, url);
      expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ invalid_state: 1 });
    }
  });

  it('missing code with a valid state → 400 invalid_state, the session stays pending and still works', async () => {
    const { user, authorizeUrl, state } = await startSession(h, 'Missing Code');
    const before = await scrapeMetrics(h.baseUrl);
    const url = `${callbackUrl}?state=${encodeURIComponent(state)}`;

    const page = await openPage(url);
    expect(page.status).toBe(400);
    expect(page.html).toContain('Feishu did not return an authorization result');
    expectPageWithoutSecrets(page, url);

    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ invalid_state: 1 });
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'pending', reason: null });
    await expectNoToken(h, user.openId);

    // "unchanged" means the link still completes normally.
    expect((await openPage(await consent(h.control, user.openId, authorizeUrl))).status).toBe(200);
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'completed' });
  });

  it('the same callback URL opened again → 409 saying the earlier attempt succeeded; reason replayed', async () => {
    const { user, authorizeUrl } = await startSession(h, 'Reused Link');
    const location = await consent(h.control, user.openId, authorizeUrl);
    expect((await openPage(location)).status).toBe(200);
    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(200);
    const before = await scrapeMetrics(h.baseUrl);
    const exchangesBefore = (await h.control.stats()).tokenRequests.authorization_code;

    const page = await openPage(location);
    expect(page.status).toBe(409);
    expect(page.html).toContain('This link was already used');
    expect(page.html).toContain('already completed successfully');
    expectPageWithoutSecrets(page, location);

    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ replayed: 1 });
    expect((await h.control.stats()).tokenRequests.authorization_code).toBe(exchangesBefore);
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'completed', reason: null });
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).body).toEqual(token.body);
  });

  it('the user denies consent → 200 denied page, session rejected/denied, card declined', async () => {
    const { user, card, authorizeUrl } = await startSession(h, 'Denies Consent');
    const before = await scrapeMetrics(h.baseUrl);
    const location = await consent(h.control, user.openId, authorizeUrl, 'deny');
    expect(new URL(location).searchParams.get('error')).toBe('access_denied');

    const page = await openPage(location);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Authorization declined');
    expectPageWithoutSecrets(page, location);

    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ denied: 1 });
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'rejected', reason: 'denied' });
    const updated = await messageById(h.control, user.openId, card.messageId);
    expect(headerTitle(updated)).toBe('Authorization declined');
    expect(headerTemplate(updated)).toBe('grey');
    await expectNoToken(h, user.openId);
  });

  it("another user approves the first user's link → 403 identity_mismatch, nothing stored for either", async () => {
    const { user, card, authorizeUrl } = await startSession(h, 'Card Owner');
    const other = await h.control.createUser('Forwarded To');
    const before = await scrapeMetrics(h.baseUrl);
    const location = await consent(h.control, other.openId, authorizeUrl);

    const page = await openPage(location);
    expect(page.status).toBe(403);
    expect(page.html).toContain('Different account');
    expectPageWithoutSecrets(page, location);

    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ identity_mismatch: 1 });
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'failed', reason: 'identity_mismatch' });
    expect(headerTemplate(await messageById(h.control, user.openId, card.messageId))).toBe('red');
    await expectNoToken(h, user.openId);
    await expectNoToken(h, other.openId);
  });

  it.each([
    ['resigned', 'Left Company'],
    ['frozen', 'Frozen Account'],
  ] as const)('user_info says the account is %s → 403, session failed/account_unavailable', async (status, name) => {
    const { user, card, authorizeUrl } = await startSession(h, name);
    const location = await consent(h.control, user.openId, authorizeUrl);
    await h.control.setUserStatus(user.openId, status);
    const before = await scrapeMetrics(h.baseUrl);

    const page = await openPage(location);
    expect(page.status).toBe(403);
    expect(page.html).toContain('Account not available');
    expectPageWithoutSecrets(page, location);

    expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ account_unavailable: 1 });
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'failed', reason: 'account_unavailable' });
    expect(headerTemplate(await messageById(h.control, user.openId, card.messageId))).toBe('red');
    expect(h.logs.join('\n')).toContain(`the Feishu account is ${status}`);
    await expectNoToken(h, user.openId);
  });

  // Server errors of the token endpoint are retried within the page's patience, so those faults stay on for the
  // whole attempt; a timeout is never retried (the code may be spent) and user_info errors are not transient.
  it.each([
    ['token', 'code20050', 'Code Exchange 20050', 'persistent'],
    ['token', 'timeout', 'Code Exchange Timeout', 'once'],
    ['token', 'error_in_200', 'Token Error In 200', 'persistent'],
    ['user_info', 'error_in_200', 'User Info Error In 200', 'once'],
  ] as const)(
    '%s fault %s → 502 with a retry hint, session failed/code_exchange_failed',
    async (api, fault, name, duration) => {
      const { user, card, authorizeUrl } = await startSession(h, name);
      const location = await consent(h.control, user.openId, authorizeUrl);
      const before = await scrapeMetrics(h.baseUrl);
      if (duration === 'persistent') await h.control.faultRate(api, fault, 1);
      else await h.control.fault(api, fault);

      const page = await openPage(location);
      await h.control.clearFaults();
      expect(page.status).toBe(502);
      expect(page.html).toContain('Authorization failed');
      expect(page.html).toContain('to try again');
      expectPageWithoutSecrets(page, location);

      expect(authFailureIncrease(before, await scrapeMetrics(h.baseUrl))).toEqual({ code_exchange_failed: 1 });
      expect(await onlySession(h, user.openId)).toMatchObject({ status: 'failed', reason: 'code_exchange_failed' });
      expect(headerTemplate(await messageById(h.control, user.openId, card.messageId))).toBe('red');
      await expectNoToken(h, user.openId);
    },
    15_000,
  );

  it('the card cannot be sent → POST /api/v1/auth-sessions answers 502 CARD_SEND_FAILED, session failed', async () => {
    const user = await h.control.createUser('Card Send Fails');
    const before = await scrapeMetrics(h.baseUrl);
    await h.control.fault('message_create', 'http500', 3);

    const reply = await h.api('POST', '/api/v1/auth-sessions', { openId: user.openId });
    expect(reply.status).toBe(502);
    expect(reply.body.error).toMatchObject({ code: 'CARD_SEND_FAILED' });
    expect(typeof reply.body.error.message).toBe('string');
    expect((await h.control.call('GET', '/_sim/faults')).body).toEqual([]);

    const after = await scrapeMetrics(h.baseUrl);
    expect(authFailureIncrease(before, after)).toEqual({ card_send_failed: 1 });
    expect(metricValue(after, 'lark_service_auth_session_total')).toBe(
      metricValue(before, 'lark_service_auth_session_total') + 1,
    );
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'failed', reason: 'card_send_failed' });
    expect(await h.control.messages(user.openId)).toEqual([]);
    await expectNoToken(h, user.openId);
  });

  describe('REST API basics', () => {
    const path = '/api/v1/auth-sessions?openId=ou_nobody';

    it('no bearer → 401, wrong bearer → 401, both as {error:{code,message}}', async () => {
      const none = await fetch(h.baseUrl + path);
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
      const wrong = await h.api('GET', path, undefined, 'not-the-token');
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    });

    it('an invalid openId → 400 VALIDATION_FAILED', async () => {
      for (const [method, url, body] of [
        ['GET', '/api/v1/users/not-an-open-id/token', undefined],
        ['GET', '/api/v1/auth-sessions?openId=bob', undefined],
        ['POST', '/api/v1/auth-sessions', { openId: 'bob' }],
      ] as const) {
        const reply = await h.api(method, url, body);
        expect(reply.status).toBe(400);
        expect(reply.body.error.code).toBe('VALIDATION_FAILED');
        expect(reply.body.error.message).toContain('open_id');
      }
    });

    it('the long poll returns as soon as the session completes', async () => {
      const { user, authorizeUrl } = await startSession(h, 'Long Poll');
      const { id } = await onlySession(h, user.openId);
      const started = Date.now();
      let answeredAt: number | undefined;
      const poll = h.api('GET', `/api/v1/auth-sessions/${id}?waitSeconds=5`).then((reply) => {
        answeredAt = Date.now();
        return reply;
      });
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(answeredAt).toBeUndefined();

      const consentAt = Date.now();
      expect((await openPage(await consent(h.control, user.openId, authorizeUrl))).status).toBe(200);
      const reply = await poll;
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id, openId: user.openId, status: 'completed', reason: null });
      expect(reply.body.completedAt).toEqual(expect.any(String));
      expect(answeredAt as number).toBeGreaterThanOrEqual(consentAt);
      expect((answeredAt as number) - started).toBeLessThan(4000);
    });

    it('waitSeconds above 60 → 400', async () => {
      const { user } = await startSession(h, 'Wait Too Long');
      const { id } = await onlySession(h, user.openId);
      const reply = await h.api('GET', `/api/v1/auth-sessions/${id}?waitSeconds=61`);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('without API_TOKENS the API answers 503 naming the variable', async () => {
      const closed = await startHarness({ database: 'postgres', env: { API_TOKENS: '' } });
      try {
        const reply = await closed.api('GET', path);
        expect(reply.status).toBe(503);
        expect(reply.body.error.code).toBe('API_TOKENS_NOT_CONFIGURED');
        expect(reply.body.error.message).toContain('API_TOKENS');
      } finally {
        await closed.close();
      }
    }, 30_000);
  });
});

describe('authorization failures: an expired session (the service clock moved past its expiry)', () => {
  let h: Harness;
  const clock = new FakeClock({ start: new Date(), autoAdvance: true });

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', clock });
  }, 30_000);
  afterAll(async () => h?.close());

  it('a callback after expiry → 410, session expired, card patched to expired, no code exchange', async () => {
    const { user, card, authorizeUrl } = await startSession(h, 'Too Late');
    const session = await onlySession(h, user.openId);
    const { expiresAt } = (await h.api('GET', `/api/v1/auth-sessions/${session.id}`)).body;
    clock.set(new Date(Date.parse(expiresAt) + 1000));
    const location = await consent(h.control, user.openId, authorizeUrl);
    const before = await scrapeMetrics(h.baseUrl);
    const exchangesBefore = (await h.control.stats()).tokenRequests.authorization_code;

    const page = await openPage(location);
    expect(page.status).toBe(410);
    expect(page.html).toContain('Authorization link expired');
    expectPageWithoutSecrets(page, location);

    const after = await scrapeMetrics(h.baseUrl);
    expect(authFailureIncrease(before, after)).toEqual({ expired: 1 });
    expect(metricValue(after, 'lark_service_auth_session_expired_total')).toBe(
      metricValue(before, 'lark_service_auth_session_expired_total') + 1,
    );
    expect((await h.control.stats()).tokenRequests.authorization_code).toBe(exchangesBefore);
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'expired', reason: 'expired' });
    const updated = await messageById(h.control, user.openId, card.messageId);
    expect(headerTitle(updated)).toBe('Authorization link expired');
    expect(headerTemplate(updated)).toBe('orange');
    await expectNoToken(h, user.openId);

    // Opening it once more is still "expired", not a second expiry.
    const again = await openPage(location);
    expect(again.status).toBe(410);
    const last = await scrapeMetrics(h.baseUrl);
    expect(metricValue(last, 'lark_service_auth_session_expired_total')).toBe(
      metricValue(after, 'lark_service_auth_session_expired_total'),
    );
  }, 15_000);
});
