import { DataSource } from 'typeorm';

import { sha256Hex } from '../../src/common/sha256';
import { parseEncryptionKeys } from '../../src/config/encryption-keys';
import { TokenRefreshJob } from '../../src/token-store/token-refresh.job';
import { startHarness, Harness } from '../support/app-harness';
import { FakeClock } from '../support/fake-clock';
import {
  authorizeUrlOf,
  consent,
  dmAndWaitForCard,
  headerTitle,
  messageById,
  metricValue,
  openPage,
  scrapeMetrics,
  startSession,
} from '../support/flow';
import { seedAuthorizedUsers } from '../support/seed-tokens';

jest.setTimeout(60_000);

/** A user who went through the whole flow; returns the access token the API hands out right after. */
async function authorize(h: Harness, name: string) {
  const started = await startSession(h, name);
  expect((await openPage(await consent(h.control, started.user.openId, started.authorizeUrl))).status).toBe(200);
  const token = await h.api('GET', `/api/v1/users/${started.user.openId}/token`);
  expect(token.status).toBe(200);
  return { ...started, accessToken: token.body.accessToken as string, expiresAt: token.body.expiresAt as string };
}

async function refreshRequests(h: Harness): Promise<number> {
  return (await h.control.stats()).tokenRequests.refresh_token;
}

describe('token lifecycle: timing (the service clock moved by the test; simulator tokens live 100 s)', () => {
  let h: Harness;
  const clock = new FakeClock({ start: new Date(), autoAdvance: true });

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', clock });
    await h.control.config({ accessTokenTtlSeconds: 100 });
  }, 30_000);
  afterAll(async () => h?.close());

  it('serves the stored token for 90 s, then refreshes once however many read at once', async () => {
    const { user, accessToken } = await authorize(h, 'Due At Ninety');
    const sweep = () => h.app.get(TokenRefreshJob).sweep();
    const before = await refreshRequests(h);

    clock.advance(89_000);
    expect(await sweep()).toBe(0);
    const early = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(early.body.accessToken).toBe(accessToken);
    expect(await refreshRequests(h)).toBe(before);

    clock.advance(1_000);
    const readers = await Promise.all(
      Array.from({ length: 100 }, () => h.api('GET', `/api/v1/users/${user.openId}/token`)),
    );
    expect(readers.every((reply) => reply.status === 200)).toBe(true);
    const tokens = new Set(readers.map((reply) => reply.body.accessToken as string));
    expect(tokens.size).toBe(1);
    expect(tokens.has(accessToken)).toBe(false);
    expect(await refreshRequests(h)).toBe(before + 1);
    expect(Date.parse(readers[0]?.body.expiresAt)).toBe(clock.now().getTime() + 100_000);

    // The next refresh is the sweep's, again at 90 % of the new lifetime.
    clock.advance(89_000);
    expect(await sweep()).toBe(0);
    clock.advance(1_000);
    expect(await sweep()).toBe(1);
    expect(await refreshRequests(h)).toBe(before + 2);
    const metrics = await scrapeMetrics(h.baseUrl);
    expect(metricValue(metrics, 'lark_service_token_refresh_total', { result: 'success' })).toBe(2);
  });

  it('POST …/token/refresh forces one now, even with content-type: application/json and no body', async () => {
    const { user, accessToken } = await authorize(h, 'Forced');
    const before = await refreshRequests(h);
    const response = await fetch(`${h.baseUrl}/api/v1/users/${user.openId}/token/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.env.API_TOKENS}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { expiresAt: string };
    expect(Date.parse(body.expiresAt)).toBe(clock.now().getTime() + 100_000);
    expect(await refreshRequests(h)).toBe(before + 1);
    const after = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(after.body.accessToken).not.toBe(accessToken);
  });

  it('the authorized and status cards say the bot keeps access until revoked', async () => {
    const { user, card } = await authorize(h, 'Kept');
    const authorized = await messageById(h.control, user.openId, card.messageId);
    expect(JSON.stringify(authorized.content)).toContain('The bot keeps this access until you revoke it');
    const status = await dmAndWaitForCard(h.control, user.openId, 'status');
    expect(JSON.stringify(status.content)).toContain('The bot keeps this access until you revoke it');
  });
});

describe('token lifecycle: grants that end and users who leave (Postgres)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
  }, 30_000);
  afterAll(async () => h?.close());

  it('a revoked grant → reauth_required, exactly one re-authorization card, 409 with a hint, result="revoked"', async () => {
    const { user } = await authorize(h, 'Revoker');
    await h.control.revoke(user.openId);
    const before = await scrapeMetrics(h.baseUrl);
    const cardsBefore = (await h.control.messages(user.openId)).length;

    const forced = await h.api('POST', `/api/v1/users/${user.openId}/token/refresh`);
    expect(forced.status).toBe(409);
    expect(forced.body.error.code).toBe('REAUTHORIZATION_REQUIRED');
    expect(forced.body.error.message).toContain('POST /api/v1/auth-sessions');
    const read = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(read.status).toBe(409);
    expect((await h.api('POST', `/api/v1/users/${user.openId}/token/refresh`)).status).toBe(409);

    const after = await scrapeMetrics(h.baseUrl);
    expect(metricValue(after, 'lark_service_token_refresh_total', { result: 'revoked' })).toBe(
      metricValue(before, 'lark_service_token_refresh_total', { result: 'revoked' }) + 1,
    );
    let cards = await h.control.messages(user.openId);
    for (let i = 0; i < 50 && cards.length === cardsBefore; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      cards = await h.control.messages(user.openId);
    }
    expect(cards).toHaveLength(cardsBefore + 1);
    const reauthorization = cards[0]!;
    expect(JSON.stringify(reauthorization.content)).toContain('Your earlier authorization was revoked in Feishu');
    expect(authorizeUrlOf(reauthorization)).toContain('/open-apis/authen/v1/authorize?');
    expect((await onlySessionOfStatus(h, user.openId, 'pending')).reason).toBeNull();
    // Authorizing again from that card brings the token back.
    expect((await openPage(await consent(h.control, user.openId, authorizeUrlOf(reauthorization)))).status).toBe(200);
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(200);
  });

  it('login while authorized says who is authorized and that going on replaces it', async () => {
    const { user } = await authorize(h, 'Already In');
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    expect(JSON.stringify(card.content)).toContain('Already In is authorized already');
  });

  it('the DM logout and DELETE …/token do the same: token and session ended, cards updated, pending card superseded', async () => {
    const viaDm = await authorize(h, 'Leaves By DM');
    const viaApi = await authorize(h, 'Leaves By API');
    const pendingDm = await dmAndWaitForCard(h.control, viaDm.user.openId, 'login');
    const pendingApi = await dmAndWaitForCard(h.control, viaApi.user.openId, 'login');

    const dmReply = await dmAndWaitForCard(h.control, viaDm.user.openId, 'logout');
    expect(headerTitle(dmReply)).toBe('Authorization revoked');
    const apiReply = await h.api('DELETE', `/api/v1/users/${viaApi.user.openId}/token`);
    expect(apiReply).toEqual({ status: 200, body: { invalidated: true } });

    for (const [{ user, card }, pending] of [
      [viaDm, pendingDm],
      [viaApi, pendingApi],
    ] as const) {
      expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(409);
      const sessions = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body as Array<{
        status: string;
        reason: string | null;
      }>;
      expect(sessions.map((session) => `${session.status}/${session.reason}`).sort()).toEqual([
        'invalidated/logout',
        'superseded/superseded',
      ]);
      expect(headerTitle(await messageById(h.control, user.openId, card.messageId))).toBe('Authorization revoked');
      expect(headerTitle(await messageById(h.control, user.openId, pending.messageId))).toBe(
        'This request was replaced',
      );
      // A card sent before the logout cannot authorize after it.
      expect((await openPage(await consent(h.control, user.openId, authorizeUrlOf(pending)))).status).toBe(409);
    }
  });

  it('POST /api/v1/maintenance/cleanup-sessions deletes finished sessions older than expiryDays', async () => {
    const { user } = await authorize(h, 'Old Sessions');
    const pending = await startSession(h, 'Still Pending');
    const db = h.app.get(DataSource);
    await db.query(`UPDATE auth_sessions SET updated_at = updated_at - interval '3 days' WHERE open_id = ANY($1)`, [
      [user.openId, pending.user.openId],
    ]);
    const [{ finished }] = await db.query(
      `SELECT count(*)::int AS finished FROM auth_sessions WHERE status <> 'pending' AND updated_at < now() - interval '2 days'`,
    );
    const reply = await h.api('POST', '/api/v1/maintenance/cleanup-sessions', { expiryDays: 2 });
    expect(reply).toEqual({ status: 200, body: { deleted: finished } });
    expect(finished).toBeGreaterThanOrEqual(1);
    expect((await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body).toEqual([]);
    expect((await h.api('GET', `/api/v1/auth-sessions?openId=${pending.user.openId}`)).body).toHaveLength(1);
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(200);
    for (const body of [{}, { expiryDays: 0 }, { expiryDays: '2' }, { expiryDays: 2, extra: true }]) {
      const invalid = await h.api('POST', '/api/v1/maintenance/cleanup-sessions', body);
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('a logout with nothing stored says so; DELETE of an unknown user → 404', async () => {
    const user = await h.control.createUser('Never Authorized');
    const reply = await dmAndWaitForCard(h.control, user.openId, 'logout');
    expect(headerTitle(reply)).toBe('Nothing to revoke');
    const unknown = await h.api('DELETE', `/api/v1/users/${user.openId}/token`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('USER_TOKEN_NOT_FOUND');
  });
});

describe('token lifecycle: Feishu failing 20 % of token calls (transient)', () => {
  let h: Harness;
  const clock = new FakeClock({ start: new Date(), autoAdvance: true });

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', clock, env: { FEISHU_TOKEN_RATE_PER_SECOND: '50' } });
    await h.control.config({ accessTokenTtlSeconds: 60, tokenRatePerSecond: 0 });
  }, 30_000);
  afterAll(async () => h?.close());

  it('every token ends refreshed before it expires, with transient failures retried', async () => {
    const keys = parseEncryptionKeys(h.env.TOKEN_ENCRYPTION_KEYS as string);
    if (!keys.ok) throw new Error('bad test keys');
    const dataSource = h.app.get(DataSource);
    const users = await seedAuthorizedUsers({
      control: h.control,
      dataSource,
      keys: keys.value,
      appId: h.config.apps[0]!.appId,
      count: 200,
      dueInSeconds: -1,
      now: clock.now(),
    });
    // The seeded tokens live 60 s; the refreshed ones an hour, so none falls due a second time while the loop runs.
    await h.control.config({ accessTokenTtlSeconds: 3_600 });
    await h.control.call('POST', '/_sim/faults', { api: 'token', kind: 'http500', rate: 0.1 });
    await h.control.call('POST', '/_sim/faults', { api: 'token', kind: 'code20050', rate: 0.1 });
    const started = clock.now().getTime();
    const sweep = h.app.get(TokenRefreshJob);
    for (let round = 0; round < 100; round += 1) {
      await sweep.sweep();
      const [{ left }] = await dataSource.query(
        `SELECT count(*)::int AS left FROM user_tokens WHERE status = 'active' AND refresh_due_at <= $1`,
        [clock.now()],
      );
      if (left === 0) break;
      clock.advance(1_000);
    }
    await h.control.clearFaults();
    const rows: Array<{ open_id: string; status: string; refresh_token_hash: string; refresh_attempts: number }> =
      await dataSource.query(
        `SELECT open_id, status, refresh_token_hash, refresh_attempts FROM user_tokens WHERE open_id = ANY($1)`,
        [users.map((user) => user.openId)],
      );
    expect(rows).toHaveLength(200);
    const seededHash = new Map(users.map((user) => [user.openId, sha256Hex(user.refreshToken)]));
    // Every token rotated (a new refresh token is stored) and no failure is pending …
    expect(rows.filter((row) => row.refresh_token_hash === seededHash.get(row.open_id))).toEqual([]);
    expect(rows.every((row) => row.status === 'active' && row.refresh_attempts === 0)).toBe(true);
    // … and all of it happened within the seeded tokens' 60 s lifetime, by the service clock.
    expect(clock.now().getTime() - started).toBeLessThan(60_000);
    const metrics = await scrapeMetrics(h.baseUrl);
    expect(metricValue(metrics, 'lark_service_token_refresh_total', { result: 'transient_error' })).toBeGreaterThan(0);
    expect(metricValue(metrics, 'lark_service_token_refresh_total', { result: 'revoked' })).toBe(0);
    expect((await h.control.stats()).refreshTokenReuse).toBe(0);
  });
});

async function onlySessionOfStatus(h: Harness, openId: string, status: string) {
  const sessions = (await h.api('GET', `/api/v1/auth-sessions?openId=${openId}`)).body as Array<{
    status: string;
    reason: string | null;
  }>;
  const matching = sessions.filter((session) => session.status === status);
  expect(matching).toHaveLength(1);
  return matching[0]!;
}
