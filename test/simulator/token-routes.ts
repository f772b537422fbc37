import { createHmac, timingSafeEqual } from 'node:crypto';

import type { SimContext } from './context';
import { BodyParseError, type JsonObject, type RouteContext, type Router, sendJson, str } from './http-util';
import { DeviceGrantError, OAuthError, type TokenSet } from './oauth-store';
import { RATE_LIMIT_BODY, rateLimitHeaders } from './rate-limit';
import type { SimApp, SimState } from './state';

const TENANT_TOKEN_TTL_SECONDS = 7200;
const TENANT_TOKEN_RENEW_BELOW_SECONDS = 1800;
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Tenant tokens are self-validating (`t-` + expiry + HMAC with the app secret and the app's token generation), so
 * a client that cached one keeps working across simulator restarts until /_sim/tenant-tokens/revoke bumps the
 * generation. They expire on real time, not the simulated clock: advancing the clock for OAuth tests must not
 * break the bot's messaging.
 */
export function issueTenantToken(app: SimApp): { token: string; expire: number } {
  const nowSec = Math.floor(Date.now() / 1000);
  const bucket = Math.floor(nowSec / TENANT_TOKEN_RENEW_BELOW_SECONDS) * TENANT_TOKEN_RENEW_BELOW_SECONDS;
  const expiresAt = bucket + TENANT_TOKEN_TTL_SECONDS;
  const expHex = expiresAt.toString(16).padStart(10, '0');
  return { token: `t-${expHex}${sign(app, expHex)}`, expire: expiresAt - nowSec };
}

/** The app a tenant token was issued to, if it is still valid. */
export function tenantTokenApp(state: SimState, token: string | undefined): SimApp | undefined {
  const match = token ? /^t-([0-9a-f]{10})([0-9a-f]{32})$/.exec(token) : null;
  if (!match?.[1] || !match[2]) return undefined;
  if (parseInt(match[1], 16) * 1000 <= Date.now()) return undefined;
  const given = Buffer.from(match[2]);
  for (const app of state.apps.values()) {
    if (timingSafeEqual(Buffer.from(sign(app, match[1])), given)) return app;
  }
  return undefined;
}

function sign(app: SimApp, expHex: string): string {
  return createHmac('sha256', app.appSecret)
    .update(`${app.appId}:${app.tenantTokenGeneration}:${expHex}`)
    .digest('hex')
    .slice(0, 32);
}

export function registerTokenRoutes(router: Router, sim: SimContext): void {
  router.add('POST', '/open-apis/auth/v3/tenant_access_token/internal', async (ctx) => {
    const body = await ctx.body();
    const app = sim.state.app(str(body.app_id));
    const fault = sim.faults.take('tenant_token', app?.appId);
    if (fault) return void sim.faults.apply(fault, ctx.res);
    if (!app) return sendJson(ctx.res, 400, { code: 10003, msg: 'invalid param: app_id is unknown' });
    if (str(body.app_secret) !== app.appSecret) {
      return sendJson(ctx.res, 400, { code: 10015, msg: 'app secret invalid' });
    }
    const { token, expire } = issueTenantToken(app);
    sendJson(ctx.res, 200, { code: 0, msg: 'ok', tenant_access_token: token, expire });
  });

  router.add('POST', '/open-apis/authen/v2/oauth/token', (ctx) => handleToken(sim, ctx, 'v2'));
  router.add('POST', '/oauth/v3/token', (ctx) => handleToken(sim, ctx, 'v3'));
}

interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
  /** HTTP Basic and client_secret in the body at once. */
  both: boolean;
}

/** client_id/client_secret from the body or HTTP Basic (percent-decoded when they are, raw otherwise). */
export function clientCredentials(ctx: RouteContext, body: JsonObject): ClientCredentials {
  let clientId = str(body.client_id);
  let clientSecret = str(body.client_secret);
  const basic = /^Basic\s+(.+)$/i.exec(ctx.req.headers.authorization ?? '');
  if (!basic?.[1]) return { clientId, clientSecret, both: false };
  const both = clientSecret !== undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  clientId = clientId ?? decode(colon >= 0 ? decoded.slice(0, colon) : decoded);
  clientSecret = colon >= 0 ? decode(decoded.slice(colon + 1)) : undefined;
  return { clientId, clientSecret, both };
}

async function handleToken(sim: SimContext, ctx: RouteContext, version: 'v2' | 'v3'): Promise<void> {
  let body: JsonObject;
  try {
    body = await ctx.body();
  } catch (error) {
    if (!(error instanceof BodyParseError)) throw error;
    return sendOAuthError(ctx, new OAuthError(20063, `malformed request: ${error.message}`));
  }
  const { state } = sim;
  const credentials = clientCredentials(ctx, body);
  const named = state.app(credentials.clientId);
  const stats = state.statsOf(named);
  const grantType = str(body.grant_type);
  if (grantType === 'authorization_code' || grantType === 'refresh_token') stats.tokenRequests[grantType] += 1;
  if (grantType === DEVICE_CODE_GRANT) stats.tokenRequests.device_code += 1;
  named?.tokenPeak.record();

  const fault = sim.faults.take('token', named?.appId);
  if (fault) return void sim.faults.apply(fault, ctx.res);
  const limit = state.config.tokenRatePerSecond;
  const decision = sim.limiter.take(`oauth-token:${named?.appId ?? ''}`, limit);
  if (!decision.ok) return sendJson(ctx.res, 429, RATE_LIMIT_BODY, rateLimitHeaders(decision.resetSeconds, limit));

  try {
    const app = authenticateClient(sim, credentials, grantType);
    let result: TokenSet;
    if (grantType === 'authorization_code') {
      result = sim.oauth.exchangeCode({
        app,
        code: str(body.code),
        redirectUri: str(body.redirect_uri),
        codeVerifier: str(body.code_verifier),
        scope: str(body.scope),
        version,
      });
    } else if (grantType === DEVICE_CODE_GRANT) {
      result = sim.oauth.pollDevice(app, str(body.device_code));
    } else {
      result = sim.oauth.refresh(app, str(body.refresh_token), str(body.scope));
    }
    sendJson(ctx.res, 200, result);
  } catch (error) {
    if (error instanceof DeviceGrantError) return sendJson(ctx.res, 400, error.toBody());
    if (!(error instanceof OAuthError)) throw error;
    sendOAuthError(ctx, error);
  }
}

function authenticateClient(sim: SimContext, credentials: ClientCredentials, grantType: string | undefined): SimApp {
  if (!grantType) throw new OAuthError(20001, 'missing required parameter: grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token' && grantType !== DEVICE_CODE_GRANT) {
    throw new OAuthError(20036, `unsupported grant_type: ${grantType}`);
  }
  if (credentials.both) {
    throw new OAuthError(20070, 'send the client credentials either with HTTP Basic auth or in the body, not both');
  }
  if (!credentials.clientId) throw new OAuthError(20001, 'missing required parameter: client_id');
  if (!credentials.clientSecret) throw new OAuthError(20001, 'missing required parameter: client_secret');
  const app = sim.state.app(credentials.clientId);
  if (!app || credentials.clientSecret !== app.appSecret) {
    throw new OAuthError(20002, 'client_id or client_secret is invalid');
  }
  return app;
}

function sendOAuthError(ctx: RouteContext, error: OAuthError): void {
  sendJson(ctx.res, error.status, error.toBody());
}
