import { Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { LarkAppRegistry } from './app-registry';
import { FeishuApi, FeishuApiError, feishuErrorFrom } from './lark.errors';

export interface OAuthTokens {
  accessToken: string;
  /** Only when the user granted offline_access. */
  refreshToken: string | undefined;
  expiresInSeconds: number;
  refreshExpiresInSeconds: number | undefined;
  scopes: string[];
}

export interface FeishuUserInfo {
  openId: string;
  unionId: string | undefined;
  userId: string | undefined;
  name: string;
  tenantKey: string | undefined;
}

/**
 * The OAuth token endpoint (v2 by default, v3 by LARK_TOKEN_URL) and user_info, over our own HTTP so no
 * client_secret, code or token can reach the SDK's error logs. Every body's `code` is checked, whatever
 * the HTTP status; failures become FeishuApiError (transient vs rejected). Every call names the app whose
 * credentials and endpoints it uses.
 */
@Injectable()
export class OAuthClient {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apps: LarkAppRegistry,
    private readonly metrics: MetricsService,
  ) {}

  exchangeCode(
    appId: string,
    params: { code: string; codeVerifier: string; redirectUri: string },
  ): Promise<OAuthTokens> {
    return this.requestToken(appId, {
      grant_type: 'authorization_code',
      code: params.code,
      code_verifier: params.codeVerifier,
      redirect_uri: params.redirectUri,
    });
  }

  refreshUserAccessToken(appId: string, refreshToken: string): Promise<OAuthTokens> {
    return this.requestToken(appId, { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async getUserInfo(appId: string, accessToken: string): Promise<FeishuUserInfo> {
    const url = `${this.apps.settings(appId).openBaseUrl}/open-apis/authen/v1/user_info`;
    const body = await this.call(appId, 'user_info', url, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const data = (body.data ?? {}) as Record<string, unknown>;
    const openId = optionalString(data.open_id);
    if (!openId) {
      throw new FeishuApiError('user_info', 'api_error', false, { feishuMessage: 'user_info returned no open_id' });
    }
    return {
      openId,
      unionId: optionalString(data.union_id),
      userId: optionalString(data.user_id),
      name: optionalString(data.name) ?? optionalString(data.en_name) ?? openId,
      tenantKey: optionalString(data.tenant_key),
    };
  }

  private async requestToken(appId: string, grant: Record<string, string>): Promise<OAuthTokens> {
    const app = this.apps.settings(appId);
    const body = await this.call(appId, 'oauth_token', app.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ ...grant, client_id: app.appId, client_secret: app.appSecret }),
    });
    const tokens = tokensFrom(body);
    if (!tokens) {
      // Feishu answered success, so a presented refresh token is spent even though no usable token came back.
      throw new FeishuApiError('oauth_token', 'api_error', false, {
        feishuMessage: 'token response without access_token',
        mayHaveBeenProcessed: true,
      });
    }
    return tokens;
  }

  private async call(appId: string, api: FeishuApi, url: string, init: RequestInit): Promise<Record<string, unknown>> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.config.lark.httpTimeoutMs) });
      text = await response.text();
    } catch (error) {
      // By name, not instanceof: fetch's DOMException may come from another realm (e.g. under jest).
      const name = (error as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const reason = networkReason(error);
      this.metrics.feishuRequest(appId, api, timedOut ? 'timeout' : 'network_error', seconds());
      throw new FeishuApiError(api, timedOut ? 'timeout' : 'network_error', true, {
        // Unless the connection was never made, Feishu may have handled the request: a refresh token may be spent.
        mayHaveBeenProcessed: timedOut || !NOT_SENT.has(reason),
        feishuMessage: timedOut ? `no answer within ${this.config.lark.httpTimeoutMs} ms` : reason,
      });
    }
    const body = parseJson(text);
    const failure = feishuErrorFrom(api, response.status, body, response.headers.get('x-ogw-ratelimit-reset'));
    this.metrics.feishuRequest(appId, api, failure ? failure.kind : 'success', seconds());
    if (failure) throw failure;
    return body as Record<string, unknown>;
  }
}

/** The tokens of a successful token-endpoint answer (v2, v3 or device_code grant); undefined without a usable one. */
export function tokensFrom(body: Record<string, unknown>): OAuthTokens | undefined {
  const accessToken = optionalString(body.access_token);
  const expiresIn = Number(body.expires_in);
  if (!accessToken || !Number.isFinite(expiresIn) || expiresIn <= 0) return undefined;
  const refreshExpiresIn = Number(body.refresh_token_expires_in ?? body.refresh_expires_in);
  return {
    accessToken,
    refreshToken: optionalString(body.refresh_token),
    expiresInSeconds: expiresIn,
    refreshExpiresInSeconds: Number.isFinite(refreshExpiresIn) && refreshExpiresIn > 0 ? refreshExpiresIn : undefined,
    scopes: (optionalString(body.scope) ?? '').split(/\s+/).filter(Boolean),
  };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Network failures that happen before a request can reach Feishu. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.message : 'network error');
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
