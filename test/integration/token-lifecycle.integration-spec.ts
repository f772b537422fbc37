import { randomBytes } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';

import { AuthSessionRepository } from '../../src/auth-session/auth-session.repository';
import { SessionCleanupJob } from '../../src/auth-session/session-cleanup.job';
import { sha256Hex } from '../../src/common/sha256';
import { FeishuApiError } from '../../src/lark/lark.errors';
import { FeishuUserInfo, OAuthClient, OAuthTokens } from '../../src/lark/oauth.client';
import { MetricsService } from '../../src/metrics/metrics.service';
import { KeyRotation } from '../../src/token-store/key-rotation';
import { TokenCipher } from '../../src/token-store/token-cipher';
import { TokenHealthJob } from '../../src/token-store/token-health.job';
import { TokenRefreshJob } from '../../src/token-store/token-refresh.job';
import { TokenRefresher } from '../../src/token-store/token-refresher';
import { TOKEN_EVENTS } from '../../src/token-store/token-store.events';
import { TokenStoreService } from '../../src/token-store/token-store.service';
import { UserTokenRepository } from '../../src/token-store/user-token.repository';
import { FakeClock } from '../support/fake-clock';
import { metricValue } from '../support/flow';
import { createServiceModule, ServiceModule } from '../support/service-module';

jest.setTimeout(60_000);

const APP = 'cli_0123456789abcdef';
const USER: FeishuUserInfo = { openId: '', unionId: 'on_x', userId: 'u_x', name: 'Someone', tenantKey: 't' };

/** The token endpoint as each test scripts it (the simulator covers the real protocol in the e2e tests). */
let refreshAnswer: (refreshToken: string) => Promise<OAuthTokens> = () => Promise.reject(new Error('unscripted'));
let userInfoAnswer: (accessToken: string) => Promise<FeishuUserInfo> = () => Promise.reject(new Error('unscripted'));
let refreshCalls = 0;

@Injectable()
class ScriptedOAuthClient {
  refreshUserAccessToken(appId: string, refreshToken: string): Promise<OAuthTokens> {
    expect(appId).toBe(APP);
    refreshCalls += 1;
    return refreshAnswer(refreshToken);
  }
  getUserInfo(appId: string, accessToken: string): Promise<FeishuUserInfo> {
    expect(appId).toBe(APP);
    return userInfoAnswer(accessToken);
  }
}

function tokens(suffix: string, refresh = true): OAuthTokens {
  return {
    accessToken: `access-${suffix}`,
    refreshToken: refresh ? `refresh-${suffix}` : undefined,
    expiresInSeconds: 7200,
    refreshExpiresInSeconds: refresh ? 604800 : undefined,
    scopes: ['offline_access'],
  };
}

function feishu(code: number, http = 400, extra: Partial<{ mayHaveBeenProcessed: boolean }> = {}): FeishuApiError {
  return new FeishuApiError('oauth_token', 'api_error', http >= 500, { httpStatus: http, feishuCode: code, ...extra });
}

describe('token lifecycle, service level (fake clock, scripted token endpoint, Postgres)', () => {
  const clock = new FakeClock({ autoAdvance: true });
  let service: ServiceModule;
  let store: TokenStoreService;
  let repository: UserTokenRepository;
  let refresher: TokenRefresher;
  let sweep: TokenRefreshJob;
  let dataSource: DataSource;
  let grantsLost: Array<{ openId: string; reason: string }>;

  beforeAll(async () => {
    service = await createServiceModule(clock, (builder) =>
      builder.overrideProvider(OAuthClient).useClass(ScriptedOAuthClient),
    );
    store = service.moduleRef.get(TokenStoreService);
    repository = service.moduleRef.get(UserTokenRepository);
    refresher = service.moduleRef.get(TokenRefresher);
    sweep = service.moduleRef.get(TokenRefreshJob);
    dataSource = service.moduleRef.get(DataSource);
    service.moduleRef.get(EventEmitter2).on(TOKEN_EVENTS.reauthorizationRequired, (event) => grantsLost.push(event));
  });
  afterAll(async () => service?.close());
  beforeEach(() => {
    grantsLost = [];
    refreshCalls = 0;
  });

  /** A user with a stored grant, due for refresh now. */
  async function dueUser(withRefreshToken = true): Promise<string> {
    const openId = `ou_${randomBytes(8).toString('hex')}`;
    await store.saveGrant(APP, openId, tokens(`seed-${openId}`, withRefreshToken), { ...USER, openId });
    await dataSource.query(`UPDATE user_tokens SET refresh_due_at = $2 WHERE open_id = $1`, [openId, clock.now()]);
    return openId;
  }

  const row = async (openId: string) => (await repository.findByOpenId(APP, openId))!;

  async function refreshOnce(openId: string) {
    const now = clock.now();
    const claimed = await repository.claimOne(APP, openId, refresher.owner, now, refresher.leaseUntil(now));
    if (!claimed) throw new Error('could not claim');
    return refresher.refresh(claimed);
  }

  it('success: new tokens under a new hash, back-off reset, lease and in-flight mark cleared', async () => {
    const openId = await dueUser();
    refreshAnswer = async () => tokens('fresh');
    expect(await refreshOnce(openId)).toBe('success');
    const after = await row(openId);
    expect(after).toMatchObject({
      status: 'active',
      refreshTokenHash: sha256Hex('refresh-fresh'),
      refreshAttempts: 0,
      leaseOwner: null,
      refreshSentAt: null,
    });
    expect((await store.getUserAccessToken(APP, openId)).accessToken).toBe('access-fresh');
    expect(after.refreshDueAt.getTime()).toBe(clock.now().getTime() + 7200 * 900);
  });

  it('adopted: Feishu says the token was used and another replica had indeed rotated it', async () => {
    const openId = await dueUser();
    refreshAnswer = async () => {
      await dataSource.query(`UPDATE user_tokens SET refresh_token_hash = 'rotated-by-a-sibling' WHERE open_id = $1`, [
        openId,
      ]);
      throw feishu(20073);
    };
    expect(await refreshOnce(openId)).toBe('adopted');
    expect(await row(openId)).toMatchObject({ status: 'active', leaseOwner: null });
    expect(grantsLost).toEqual([]);
  });

  it.each([
    [20064, 'revoked'],
    [20073, 'revoked'],
    [20026, 'revoked'],
    [20037, 'expired'],
  ])('code %s without a sibling rotation: the grant is lost (%s), secrets dropped, one event', async (code, result) => {
    const openId = await dueUser();
    refreshAnswer = async () => Promise.reject(feishu(code));
    expect(await refreshOnce(openId)).toBe(result);
    expect(await row(openId)).toMatchObject({
      status: 'reauth_required',
      accessTokenEnc: null,
      refreshTokenEnc: null,
      refreshTokenHash: null,
      lastError: `feishu_${code}`,
    });
    expect(grantsLost).toEqual([{ appId: APP, openId, reason: result }]);
    await expect(store.getUserAccessToken(APP, openId)).rejects.toMatchObject({ code: 'REAUTHORIZATION_REQUIRED' });
  });

  it('an answer lost after the request left: never retried with the same token, the user is asked again', async () => {
    const openId = await dueUser();
    refreshAnswer = async () =>
      Promise.reject(new FeishuApiError('oauth_token', 'timeout', true, { mayHaveBeenProcessed: true }));
    expect(await refreshOnce(openId)).toBe('lost_response');
    expect((await row(openId)).status).toBe('reauth_required');
    expect(grantsLost).toEqual([{ appId: APP, openId, reason: 'lost_response' }]);
  });

  it('a process that died with a request in flight: the next claim flags it without calling Feishu', async () => {
    const openId = await dueUser();
    const dead = 'a-replica-that-died';
    await dataSource.query(
      `UPDATE user_tokens SET lease_owner = $2, lease_until = $3, refresh_sent_at = $4 WHERE open_id = $1`,
      [openId, dead, new Date(clock.now().getTime() - 1), new Date(clock.now().getTime() - 5000)],
    );
    const handled = await sweep.sweep();
    expect(handled).toBeGreaterThanOrEqual(1);
    expect(refreshCalls).toBe(0);
    expect(await row(openId)).toMatchObject({ status: 'reauth_required', lastError: 'lost_response' });
  });

  it.each([
    ['HTTP 500 with 20050', feishu(20050, 500)],
    [
      'a rate limit',
      new FeishuApiError('oauth_token', 'rate_limited', true, { httpStatus: 429, retryAfterSeconds: 3 }),
    ],
    ['a refused connection', new FeishuApiError('oauth_token', 'network_error', true, {})],
    ['a bad client secret (20002)', feishu(20002)],
  ])('%s is retried later, before the access token expires, and costs no grant', async (_what, error) => {
    const openId = await dueUser();
    refreshAnswer = async () => Promise.reject(error);
    expect(await refreshOnce(openId)).toBe('transient_error');
    const after = await row(openId);
    expect(after).toMatchObject({ status: 'active', refreshAttempts: 1, leaseOwner: null, refreshSentAt: null });
    expect(after.nextAttemptAt.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(after.nextAttemptAt.getTime()).toBeLessThan(after.accessExpiresAt.getTime());
    expect(grantsLost).toEqual([]);
    // Not before its next attempt, then refreshed.
    refreshAnswer = async () => tokens(`recovered-${openId}`);
    await sweep.sweep();
    expect((await row(openId)).refreshAttempts).toBe(1);
    clock.set(after.nextAttemptAt);
    await sweep.sweep();
    expect(await row(openId)).toMatchObject({
      refreshAttempts: 0,
      refreshTokenHash: sha256Hex(`refresh-recovered-${openId}`),
    });
  });

  it('without a refresh token the token is served until it expires, then the user is asked again', async () => {
    const openId = await dueUser(false);
    await sweep.sweep();
    expect(refreshCalls).toBe(0);
    expect((await store.getUserAccessToken(APP, openId)).accessToken).toBe(`access-seed-${openId}`);
    clock.advance(7200 * 1000);
    await sweep.sweep();
    expect(await row(openId)).toMatchObject({ status: 'reauth_required', lastError: 'no_refresh_token' });
    expect(grantsLost).toEqual([{ appId: APP, openId, reason: 'expired' }]);
  });

  it('counts results and refreshes in metrics, and the overdue gauge sees tokens past expiry', async () => {
    const metrics = service.moduleRef.get(MetricsService);
    await metrics.refreshDatabaseGauges();
    const before = (await metrics.render()).body;
    const openId = await dueUser();
    refreshAnswer = async () => Promise.reject(feishu(20050, 500));
    await refreshOnce(openId);
    await dataSource.query(`UPDATE user_tokens SET access_expires_at = $2 WHERE open_id = $1`, [openId, clock.now()]);
    await metrics.refreshDatabaseGauges();
    const after = (await metrics.render()).body;
    expect(metricValue(after, 'lark_service_token_refresh_total', { result: 'transient_error' })).toBe(
      metricValue(before, 'lark_service_token_refresh_total', { result: 'transient_error' }) + 1,
    );
    expect(metricValue(after, 'lark_service_token_refresh_overdue', { app_id: APP })).toBeGreaterThanOrEqual(1);
    await dataSource.query(`UPDATE user_tokens SET status = 'invalidated', ${noSecrets} WHERE open_id = $1`, [openId]);
  });

  describe('health probe', () => {
    it('records is_online, and refreshes a token Feishu no longer accepts', async () => {
      await dataSource.query(`UPDATE user_tokens SET last_checked_at = $1 WHERE status = 'active'`, [clock.now()]);
      const good = await dueUser();
      const bad = await dueUser();
      await dataSource.query(`UPDATE user_tokens SET refresh_due_at = $2 WHERE open_id = ANY($1)`, [
        [good, bad],
        new Date(clock.now().getTime() + 3_600_000),
      ]);
      userInfoAnswer = async (accessToken) => {
        if (accessToken === `access-seed-${bad}`) throw feishu(20005, 200);
        return { ...USER, openId: good };
      };
      refreshAnswer = async () => tokens(`after-probe-${bad}`);
      const probedAt = clock.now().getTime();
      expect(await service.moduleRef.get(TokenHealthJob).probe()).toBe(1);
      expect(await row(good)).toMatchObject({ isOnline: true });
      expect(await row(bad)).toMatchObject({
        isOnline: false,
        refreshTokenHash: sha256Hex(`refresh-after-probe-${bad}`),
      });
      expect((await row(good)).lastCheckedAt?.getTime()).toBeGreaterThanOrEqual(probedAt);
    });
  });

  describe('session cleanup', () => {
    it('deletes only finished sessions older than the retention, in batches, and never a token', async () => {
      const sessions = service.moduleRef.get(AuthSessionRepository);
      await dataSource.query('TRUNCATE auth_sessions');
      const insert = (status: string, ageDays: number, count = 1) =>
        dataSource.query(
          `INSERT INTO auth_sessions (app_id, open_id, status, state_hash, expires_at, created_at, updated_at)
           SELECT $1, 'ou_cleanup_' || g, $2, md5(random()::text || g), $3, $3, $3 FROM generate_series(1, $4) g`,
          [APP, status, new Date(clock.now().getTime() - ageDays * 86_400_000), count],
        );
      await insert('completed', 31, 2_500);
      await insert('rejected', 40);
      await insert('completed', 29);
      await insert('pending', 90);
      const tokensBefore = await dataSource.query('SELECT count(*)::int AS n FROM user_tokens');

      expect(await service.moduleRef.get(SessionCleanupJob).cleanupExpiredSessions(30)).toBe(2_501);
      const left: Array<{ status: string; n: number }> = await dataSource.query(
        `SELECT status, count(*)::int AS n FROM auth_sessions GROUP BY status ORDER BY status`,
      );
      expect(left).toEqual([
        { status: 'completed', n: 1 },
        { status: 'pending', n: 1 },
      ]);
      expect(await dataSource.query('SELECT count(*)::int AS n FROM user_tokens')).toEqual(tokensBefore);
      expect(await sessions.countPending(APP)).toBe(1);
    });
  });

  describe('key rotation', () => {
    it('re-encrypts every token and verifier under the new key; the old key can then go', async () => {
      const oldCipher = service.moduleRef.get(TokenCipher);
      const users = [await dueUser(), await dueUser()];
      await dataSource.query(
        `INSERT INTO auth_sessions (app_id, open_id, status, state_hash, pkce_verifier_enc, key_id, expires_at)
         VALUES ($1, $2, 'pending', $3, $4, $5, $6)`,
        [
          APP,
          users[0],
          randomBytes(32).toString('hex'),
          oldCipher.encrypt('a-verifier', `${APP}:${users[0]}`).value,
          oldCipher.currentKeyId,
          new Date(clock.now().getTime() + 600_000),
        ],
      );
      await dataSource.query(
        `INSERT INTO auth_sessions (app_id, open_id, status, state_hash, flow, device_code_enc, key_id, expires_at)
         VALUES ($1, $2, 'pending', $3, 'device', $4, $5, $6)`,
        [
          APP,
          users[1],
          randomBytes(32).toString('hex'),
          oldCipher.encrypt('a-device-code', `${APP}:${users[1]}`).value,
          oldCipher.currentKeyId,
          new Date(clock.now().getTime() + 600_000),
        ],
      );
      const [first] = service.config.encryptionKeys;
      const next = { kid: 'k2', key: randomBytes(32) };
      const rotation = new KeyRotation(dataSource, new TokenCipher([next, first!]), 1);
      expect(await rotation.remaining()).toBeGreaterThanOrEqual(4);
      const done = await rotation.run();
      expect(done.tokens).toBeGreaterThanOrEqual(2);
      expect(done.sessions).toBe(2);
      expect(await rotation.remaining()).toBe(0);

      const onlyNew = new TokenCipher([next]);
      for (const openId of users) {
        const stored = await row(openId);
        expect(stored.keyId).toBe('k2');
        expect(onlyNew.decrypt(stored.accessTokenEnc!, 'k2', `${APP}:${openId}`)).toBe(`access-seed-${openId}`);
        expect(onlyNew.decrypt(stored.refreshTokenEnc!, 'k2', `${APP}:${openId}`)).toBe(`refresh-seed-${openId}`);
      }
      const [session]: Array<{ pkce_verifier_enc: Buffer; key_id: string }> = await dataSource.query(
        `SELECT pkce_verifier_enc, key_id FROM auth_sessions WHERE open_id = $1`,
        [users[0]],
      );
      expect(onlyNew.decrypt(session!.pkce_verifier_enc, session!.key_id, `${APP}:${users[0]}`)).toBe('a-verifier');
      const [device]: Array<{ device_code_enc: Buffer; key_id: string }> = await dataSource.query(
        `SELECT device_code_enc, key_id FROM auth_sessions WHERE open_id = $1`,
        [users[1]],
      );
      expect(onlyNew.decrypt(device!.device_code_enc, device!.key_id, `${APP}:${users[1]}`)).toBe('a-device-code');
    });
  });
});

const noSecrets = 'access_token_enc = NULL, refresh_token_enc = NULL, key_id = NULL, refresh_token_hash = NULL';
