import { Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { LarkAppRegistry } from './app-registry';
import { FeishuApi, FeishuApiError, feishuErrorFrom } from './lark.errors';
import { networkReason, OAuthTokens, optionalString, parseJson, tokensFrom } from './oauth.client';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** The unified OAuth token endpoint on the accounts host, which takes the device_code grant. */
export const TOKEN_PATH_V3 = '/oauth/v3/token';
/** What Feishu's official CLI assumes when the answer leaves them out. */
const DEFAULT_EXPIRES_IN_SECONDS = 240;
const DEFAULT_INTERVAL_SECONDS = 5;

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** The verification page with the user code filled in; verification_uri when Feishu sends none. */
  verificationUriComplete: string;
  expiresInSeconds: number;
  intervalSeconds: number;
}

/** One poll of the token endpoint (RFC 8628 §3.5, as docs/device-flow.md lists Feishu's answers). */
export type DevicePoll =
  | { outcome: 'authorized'; tokens: OAuthTokens }
  | { outcome: 'pending' }
  | { outcome: 'slow_down' }
  | { outcome: 'denied' }
  | { outcome: 'expired' }
  /** Network trouble, 429 or 5xx: poll again later. */
  | { outcome: 'transient'; detail: string }
  /** Any other answer: the device code is of no further use. */
  | { outcome: 'rejected'; detail: string };
export type DevicePollOutcome = DevicePoll['outcome'];
export const DEVICE_POLL_OUTCOMES: readonly DevicePollOutcome[] = [
  'authorized',
  'pending',
  'slow_down',
  'denied',
  'expired',
  'transient',
  'rejected',
];

const MAPPED_ERRORS: Record<string, DevicePoll> = {
  authorization_pending: { outcome: 'pending' },
  slow_down: { outcome: 'slow_down' },
  access_denied: { outcome: 'denied' },
  expired_token: { outcome: 'expired' },
  invalid_grant: { outcome: 'expired' },
};

/**
 * The two calls of the OAuth Device Authorization Grant (RFC 8628) on the app's accounts host, over our own HTTP
 * like OAuthClient, so no secret, device code or token reaches a log. Form bodies, as Feishu's CLI sends them:
 * the authorization request authenticates with HTTP Basic, the poll with client_id/client_secret in the body.
 */
@Injectable()
export class DeviceFlowClient {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apps: LarkAppRegistry,
    private readonly metrics: MetricsService,
  ) {}

  /** `scopes` must already contain offline_access (a refresh token is what makes the grant last). */
  async requestDeviceAuthorization(appId: string, scopes: readonly string[]): Promise<DeviceAuthorization> {
    const app = this.apps.settings(appId);
    const basic = Buffer.from(`${app.appId}:${app.appSecret}`).toString('base64');
    const { status, body, seconds } = await this.post(
      appId,
      'device_authorization',
      `${app.accountsBaseUrl}/oauth/v1/device_authorization`,
      { client_id: app.appId, scope: scopes.join(' ') },
      { authorization: `Basic ${basic}` },
    );
    const deviceCode = optionalString(body.device_code);
    const userCode = optionalString(body.user_code);
    const verificationUri = optionalString(body.verification_uri);
    if (status >= 400 || body.error !== undefined || !deviceCode || !userCode || !verificationUri) {
      const failure =
        feishuErrorFrom('device_authorization', status, body) ??
        new FeishuApiError('device_authorization', 'api_error', false, { feishuMessage: 'incomplete answer' });
      this.metrics.feishuRequest(appId, 'device_authorization', failure.kind, seconds);
      throw failure;
    }
    this.metrics.feishuRequest(appId, 'device_authorization', 'success', seconds);
    return {
      deviceCode,
      userCode,
      verificationUri,
      verificationUriComplete: optionalString(body.verification_uri_complete) ?? verificationUri,
      expiresInSeconds: positive(body.expires_in) ?? DEFAULT_EXPIRES_IN_SECONDS,
      intervalSeconds: positive(body.interval) ?? DEFAULT_INTERVAL_SECONDS,
    };
  }

  async pollDeviceToken(appId: string, deviceCode: string): Promise<DevicePoll> {
    const app = this.apps.settings(appId);
    let answer: Answer;
    try {
      answer = await this.post(appId, 'device_token', `${app.accountsBaseUrl}${TOKEN_PATH_V3}`, {
        grant_type: DEVICE_CODE_GRANT,
        device_code: deviceCode,
        client_id: app.appId,
        client_secret: app.appSecret,
      });
    } catch (error) {
      if (!(error instanceof FeishuApiError)) throw error;
      return { outcome: 'transient', detail: error.message };
    }
    const { status, body, seconds } = answer;
    const error = optionalString(body.error);
    const tokens = error ? undefined : tokensFrom(body);
    const mapped = error ? MAPPED_ERRORS[error] : undefined;
    // authorization_pending and the like are the protocol working; lark_service_device_poll_total tells them apart.
    if (tokens || mapped) {
      this.metrics.feishuRequest(appId, 'device_token', 'success', seconds);
      return tokens ? { outcome: 'authorized', tokens } : (mapped as DevicePoll);
    }
    // Anything else, a Feishu error code inside an HTTP 200 included (20050: server error, try again).
    const failure =
      feishuErrorFrom('device_token', status, body) ??
      new FeishuApiError('device_token', 'api_error', false, { httpStatus: status });
    this.metrics.feishuRequest(appId, 'device_token', failure.kind, seconds);
    const detail = `HTTP ${status}${failure.feishuCode ? ` code ${failure.feishuCode}` : ''}${error ? ` ${error.slice(0, 40)}` : ''}`;
    return failure.retryable ? { outcome: 'transient', detail } : { outcome: 'rejected', detail };
  }

  /** A form POST; network failures and timeouts become FeishuApiError, any HTTP answer is returned parsed. */
  private async post(
    appId: string,
    api: FeishuApi,
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.config.lark.httpTimeoutMs),
      });
      const parsed = parseJson(await response.text());
      const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      return { status: response.status, body, seconds: seconds() };
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      this.metrics.feishuRequest(appId, api, timedOut ? 'timeout' : 'network_error', seconds());
      throw new FeishuApiError(api, timedOut ? 'timeout' : 'network_error', true, {
        feishuMessage: timedOut ? `no answer within ${this.config.lark.httpTimeoutMs} ms` : networkReason(error),
        mayHaveBeenProcessed: timedOut,
      });
    }
  }
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  seconds: number;
}

function positive(value: unknown): number | undefined {
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? Math.floor(number) : undefined;
}
