import { Injectable } from '@nestjs/common';

import { AuthSessionRepository } from '../../src/auth-session/auth-session.repository';
import { AuthSessionService } from '../../src/auth-session/auth-session.service';
import { AuthorizationCallbackService } from '../../src/auth-session/authorization-callback.service';
import { SessionCards } from '../../src/auth-session/session-cards';
import { SessionExpiryJob } from '../../src/auth-session/session-expiry.job';
import { CardMessenger } from '../../src/messaging/card-messenger';
import { MetricsService } from '../../src/metrics/metrics.service';
import { TokenStoreService } from '../../src/token-store/token-store.service';
import { SimControlClient } from '../simulator';
import { FakeClock } from '../support/fake-clock';
import { authorizeUrlOf, headerTitle, metricValue } from '../support/flow';
import { createServiceModule, ServiceModule } from '../support/service-module';

jest.setTimeout(60_000);

const APP = 'cli_0123456789abcdef';

/** The service layer of auth-session with a fake clock: time moves only when the test says so. */
describe('auth-session services (fake clock, real Postgres, simulator)', () => {
  let clock: FakeClock;
  let service: ServiceModule;
  let control: SimControlClient;
  let sessions: AuthSessionService;
  let callback: AuthorizationCallbackService;
  let job: SessionExpiryJob;
  let repository: AuthSessionRepository;
  let metrics: MetricsService;

  beforeAll(async () => {
    clock = new FakeClock({ autoAdvance: true });
    service = await createServiceModule(clock);
    control = new SimControlClient(service.sim.url);
    sessions = service.moduleRef.get(AuthSessionService);
    callback = service.moduleRef.get(AuthorizationCallbackService);
    job = service.moduleRef.get(SessionExpiryJob);
    repository = service.moduleRef.get(AuthSessionRepository);
    metrics = service.moduleRef.get(MetricsService);
  });
  afterAll(async () => service?.close());

  async function start(name: string) {
    const user = await control.createUser(name);
    const session = await sessions.requestAuthorization({ appId: APP, openId: user.openId, locale: 'en_us' });
    const [card] = await control.messages(user.openId);
    if (!card) throw new Error('no card was sent');
    return { user, session, card };
  }

  const scrape = async () => (await metrics.render()).body;

  it('completes an authorization and times it with the injected clock', async () => {
    const { user, session, card } = await start('Clocked');
    clock.advance(42_000);
    const location = new URL(await control.authorizeAs(user.openId, 'approve', authorizeUrlOf(card)));
    const result = await callback.completeAuthorization({
      state: location.searchParams.get('state') ?? undefined,
      code: location.searchParams.get('code') ?? undefined,
    });
    expect(result).toMatchObject({ outcome: 'success', name: 'Clocked', cardPatchPending: false });
    const stored = await repository.findById(APP, session.id);
    expect(stored?.status).toBe('completed');
    expect(stored?.completedAt?.getTime()).toBe(clock.now().getTime());
    const token = await service.moduleRef.get(TokenStoreService).getUserAccessToken(APP, user.openId);
    expect(token.expiresAt.getTime()).toBe(clock.now().getTime() + 7200 * 1000);
    expect(await scrape()).toMatch(/^lark_service_auth_duration_seconds_sum 42$/m);
  });

  it('a callback after the session expired by the clock → expired, card patched, nothing exchanged', async () => {
    const { user, session, card } = await start('Late By The Clock');
    const location = new URL(await control.authorizeAs(user.openId, 'approve', authorizeUrlOf(card)));
    clock.advance(service.config.session.ttlSeconds * 1000);
    const exchanges = (await control.stats()).tokenRequests.authorization_code;
    const result = await callback.completeAuthorization({
      state: location.searchParams.get('state') ?? undefined,
      code: location.searchParams.get('code') ?? undefined,
    });
    expect(result.outcome).toBe('expired');
    expect((await repository.findById(APP, session.id))?.status).toBe('expired');
    expect((await control.stats()).tokenRequests.authorization_code).toBe(exchanges);
    const [patched] = await control.messages(user.openId);
    expect(patched && headerTitle(patched)).toBe('Authorization link expired');
  });

  it('a bare visit to /callback counts as missing_code and fails no session', async () => {
    const before = await scrape();
    expect(await callback.completeAuthorization({})).toEqual({ outcome: 'missing_code' });
    const after = await scrape();
    expect(metricValue(after, 'lark_service_callback_requests_total', { outcome: 'missing_code' })).toBe(
      metricValue(before, 'lark_service_callback_requests_total', { outcome: 'missing_code' }) + 1,
    );
    expect(metricValue(after, 'lark_service_auth_failure_total', { reason: 'invalid_state' })).toBe(
      metricValue(before, 'lark_service_auth_failure_total', { reason: 'invalid_state' }),
    );
  });

  describe('SessionExpiryJob', () => {
    it('expires overdue sessions when the clock passes their expiry, and patches their cards', async () => {
      const { user, session } = await start('Expiring');
      await job.run();
      expect((await repository.findById(APP, session.id))?.status).toBe('pending');
      const before = await scrape();
      const pending = await repository.countPending(APP);
      clock.advance(service.config.session.ttlSeconds * 1000);
      await job.run();
      expect((await repository.findById(APP, session.id))?.status).toBe('expired');
      expect(await repository.countPending(APP)).toBe(0);
      const after = await scrape();
      expect(metricValue(after, 'lark_service_auth_session_expired_total')).toBe(
        metricValue(before, 'lark_service_auth_session_expired_total') + pending,
      );
      expect(metricValue(after, 'lark_service_auth_failure_total', { reason: 'expired' })).toBe(
        metricValue(before, 'lark_service_auth_failure_total', { reason: 'expired' }) + pending,
      );
      const [card] = await control.messages(user.openId);
      expect(card && headerTitle(card)).toBe('Authorization link expired');
    });

    it('fails a session left exchanging for two minutes (its process died)', async () => {
      const { user, session } = await start('Stuck');
      await repository.claimForExchange(session.stateHash, clock.now());
      clock.advance(60_000);
      await job.run();
      expect((await repository.findById(APP, session.id))?.status).toBe('exchanging');
      clock.advance(61_000);
      await job.run();
      expect(await repository.findById(APP, session.id)).toMatchObject({ status: 'failed', reason: 'internal' });
      const [card] = await control.messages(user.openId);
      expect(card && headerTitle(card)).toBe('Authorization failed');
    });
  });
});

let failNextUpdate = false;

/** The real messenger, except that the next card update fails when asked to. */
@Injectable()
class FlakyCardMessenger extends CardMessenger {
  override updateCard(
    appId: string,
    messageId: string,
    card: Parameters<CardMessenger['updateCard']>[2],
  ): Promise<void> {
    if (!failNextUpdate) return super.updateCard(appId, messageId, card);
    failNextUpdate = false;
    return Promise.reject(new Error('Feishu is having a bad day'));
  }
}

describe('SessionCards with a messenger that fails once', () => {
  let service: ServiceModule;
  let control: SimControlClient;

  beforeAll(async () => {
    service = await createServiceModule(new FakeClock({ autoAdvance: true }), (builder) =>
      builder.overrideProvider(CardMessenger).useClass(FlakyCardMessenger),
    );
    control = new SimControlClient(service.sim.url);
  });
  afterAll(async () => service?.close());
  it('marks a failed patch for retry, and the retry patches the card and clears the mark', async () => {
    const sessions = service.moduleRef.get(AuthSessionService);
    const cards = service.moduleRef.get(SessionCards);
    const repository = service.moduleRef.get(AuthSessionRepository);
    const user = await control.createUser('Retry Me');
    const session = await sessions.requestAuthorization({ appId: APP, openId: user.openId, locale: 'en_us' });

    failNextUpdate = true;
    const declined = await sessions.rejectAuthorization(APP, session.id);
    expect(declined).toBeDefined();
    expect(await cards.patch(declined!)).toBe(false);
    expect((await repository.findById(APP, session.id))?.cardPatchPending).toBe(true);
    expect(headerTitle((await control.messages(user.openId))[0]!)).not.toBe('Authorization declined');

    expect(await cards.retryPending(APP)).toBe(1);
    expect((await repository.findById(APP, session.id))?.cardPatchPending).toBe(false);
    expect(headerTitle((await control.messages(user.openId))[0]!)).toBe('Authorization declined');
    expect(await cards.retryPending(APP)).toBe(0);
  });
});
