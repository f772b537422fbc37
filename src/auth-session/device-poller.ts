import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { Clock } from '../common/clock';
import { describeError } from '../common/errors/describe-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DeviceFlowClient, DevicePoll } from '../lark/device-flow.client';
import { MetricsService } from '../metrics/metrics.service';
import { TokenCipher } from '../token-store/token-cipher';
import { AuthSession } from './auth-session.entity';
import { AuthSessionReason, AuthSessionStatus } from './auth-session.vocabulary';
import { AuthorizationCompletionService } from './authorization-completion.service';
import { DeviceSessionRepository } from './device-session.repository';
import { SessionCards } from './session-cards';

/** RFC 8628 §3.5: each slow_down adds 5 s; Feishu's CLI never waits longer than 60 s. */
const SLOW_DOWN_STEP_SECONDS = 5;
const MAX_INTERVAL_SECONDS = 60;
/** A poll's lease outlives its request (the HTTP timeout) by this much, then another replica may take over. */
const LEASE_MARGIN_MS = 5_000;

/** How a device authorization ended: the `outcome` of lark_service_device_authorization_total. */
export const DEVICE_AUTHORIZATION_OUTCOMES = [
  'success',
  'denied',
  'expired',
  'identity_mismatch',
  'account_unavailable',
  'code_exchange_failed',
  'internal',
] as const;

/**
 * One poll of one device-flow session the caller claimed with this poller's lease (docs/device-flow.md): asks the
 * token endpoint once and moves the session on. The next poll is due one interval after Feishu's answer, so polls
 * from any replicas keep the interval; tokens go through the same completion as the redirect flow.
 */
@Injectable()
export class DevicePoller {
  private readonly logger = new Logger(DevicePoller.name);
  /** This process's lease owner name. */
  readonly owner = randomUUID();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: DeviceSessionRepository,
    private readonly client: DeviceFlowClient,
    private readonly completion: AuthorizationCompletionService,
    private readonly cards: SessionCards,
    private readonly cipher: TokenCipher,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  leaseUntil(now: Date): Date {
    return new Date(now.getTime() + this.config.lark.httpTimeoutMs + LEASE_MARGIN_MS);
  }

  async poll(session: AuthSession): Promise<void> {
    let deviceCode: string;
    try {
      deviceCode = this.cipher.decrypt(
        session.deviceCodeEnc ?? Buffer.alloc(0),
        session.keyId ?? '',
        `${session.appId}:${session.openId}`,
      );
    } catch (error) {
      this.logger.error(`session ${session.id}: the device code cannot be decrypted: ${describeError(error)}`);
      return this.end(session, 'failed', 'internal', 'internal');
    }
    const answer = await this.client.pollDeviceToken(session.appId, deviceCode);
    this.metrics.devicePolled(session.appId, answer.outcome);
    await this.settle(session, answer);
  }

  private async settle(session: AuthSession, answer: DevicePoll): Promise<void> {
    const interval = session.pollIntervalSeconds ?? SLOW_DOWN_STEP_SECONDS;
    switch (answer.outcome) {
      case 'pending':
        return this.scheduleNext(session, interval);
      case 'transient':
        this.logger.warn(`session ${session.id}: device-code poll failed, trying again: ${answer.detail}`);
        return this.scheduleNext(session, interval);
      case 'slow_down': {
        const slower = Math.min(interval + SLOW_DOWN_STEP_SECONDS, MAX_INTERVAL_SECONDS);
        this.logger.log(`session ${session.id}: Feishu asked to slow down; polling every ${slower} s`);
        return this.scheduleNext(session, slower);
      }
      case 'denied':
        this.logger.log(`session ${session.id}: the user denied the device authorization`);
        return this.end(session, 'rejected', 'denied', 'denied');
      case 'expired':
        this.logger.log(`session ${session.id}: the device code expired`);
        return this.end(session, 'expired', 'expired', 'expired');
      case 'rejected':
        this.logger.warn(`session ${session.id}: Feishu refused the device code (${answer.detail})`);
        return this.end(session, 'failed', 'code_exchange_failed', 'code_exchange_failed');
      case 'authorized': {
        const claimed = await this.sessions.finish(session, this.owner, 'exchanging', null, this.clock.now());
        if (!claimed) {
          // Declined, superseded or invalidated while the poll was out: that decision stands, the tokens are dropped.
          this.logger.warn(`session ${session.id}: tokens arrived after the session ended; discarded`);
          return;
        }
        const done = await this.completion.complete(claimed, answer.tokens);
        this.metrics.deviceAuthorizationEnded(session.appId, done.outcome);
        return;
      }
    }
  }

  private async scheduleNext(session: AuthSession, intervalSeconds: number): Promise<void> {
    const next = new Date(this.clock.now().getTime() + intervalSeconds * 1000);
    await this.sessions.schedule(session, this.owner, intervalSeconds, next);
  }

  private async end(
    session: AuthSession,
    to: AuthSessionStatus,
    reason: AuthSessionReason & (typeof DEVICE_AUTHORIZATION_OUTCOMES)[number],
    outcome: (typeof DEVICE_AUTHORIZATION_OUTCOMES)[number],
  ): Promise<void> {
    const ended = await this.sessions.finish(session, this.owner, to, reason, this.clock.now());
    if (!ended) return;
    if (to === 'expired') this.metrics.authSessionExpired();
    else this.metrics.authFailed(reason);
    this.metrics.deviceAuthorizationEnded(session.appId, outcome);
    await this.cards.patch(ended);
  }
}
