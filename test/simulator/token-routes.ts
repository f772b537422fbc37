import { createHmac, timingSafeEqual } from 'node:crypto';

import type { SimContext } from './context';
import { BodyParseError, type JsonObject, type RouteContext, type Router, sendJson, str } from './http-util';
import { OAuthError, type TokenSet } from './oauth-store';
import { RATE_LIMIT_BODY, rateLimitHeaders } from './rate-limit';

const TENANT_TOKEN_TTL_SECONDS = 7200;
const TENANT_TOKEN_RENEW_BELOW_SECONDS = 1800;

/**
 * Tenant tokens are self-validating (`t-` + expiry + HMAC with the app secret), so a client that cached one
 * keeps working across simulator restarts. They expire on real time, not the simulated clock: advancing the
 * clock for OAuth tests must not break the bot's messaging.
 */
export function issueTenantToken(appId: string, appSecret: string): { token: string; expire: number } {
  const nowSec = Math.floor(Date.now() / 1000);
  const bucket = Math.floor(nowSec / TENANT_TOKEN_RENEW_BELOW_SECONDS) * TENANT_TOKEN_RENEW_BELOW_SECONDS;
  const expiresAt = bucket + TENANT_TOKEN_TTL_SECONDS;
  const expHex = expiresAt.toString(16).padStart(10, '0');
  return { token: `t-${expHex}${sign(appId, appSecret, expHex)}`, expire: expiresAt - nowSec };
}

export function isValidTenantToken(token: string | undefined, appId: string, appSecret: string): boolean {
  const match = token ? /^t-([0-9a-f]{10})([0-9a-f]{32})$/.exec(token) : null;
  if (!match?.[1] || !match[2]) return false;
  const expected = Buffer.from(sign(appId, appSecret, match[1]));
  if (!timingSafeEqual(expected, Buffer.from(match[2]))) return false;
  return parseInt(match[1], 16) * 1000 > Date.now();
}

function sign(appId: string, appSecret: string, expHex: string): string {
  return createHmac('sha256', appSecret).update(`${appId}:${expHex}`).digest('hex').slice(0, 32);
}

export function registerTokenRoutes(router: Router, sim: SimContext): void {
  router.add('POST', '/open-apis/auth/v3/tenant_access_token/internal', async (ctx) => {
    const fault = sim.faults.take('tenant_token');
    if (fault) return void sim.faults.apply(fault, ctx.res);
    const body = await ctx.body();
    const { app } = sim.state;
    if (str(body.app_id) !== app.appId) {
      return sendJson(ctx.res, 400, { code: 10003, msg: 'invalid param: app_id is unknown' });
    }
    if (str(body.app_secret) !== app.appSecret) {
      return sendJson(ctx.res, 400, { code: 10014, msg: 'app secret invalid' });
    }
    const { token, expire } = issueTenantToken(app.appId, app.appSecret);
    sendJson(ctx.res, 200, { code: 0, msg: 'ok', tenant_access_token: token, expire });
  });

  router.add('POST', '/open-apis/authen/v2/oauth/token', (ctx) => handleToken(sim, ctx, 'v2'));
  router.add('POST', '/oauth/v3/token', (ctx) => handleToken(sim, ctx, 'v3'));
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
  const grantType = str(body.grant_type);
  if (grantType === 'authorization_code' || grantType === 'refresh_token') state.stats.tokenRequests[grantType] += 1;
  sim.tokenPeak.record();
  state.stats.tokenRequestsPerSecondMax = sim.tokenPeak.peak;

  const fault = sim.faults.take('token');
  if (fault) return void sim.faults.apply(fault, ctx.res);
  const limit = state.config.tokenRatePerSecond;
  const decision = sim.limiter.take('oauth-token', limit);
  if (!decision.ok) return sendJson(ctx.res, 429, RATE_LIMIT_BODY, rateLimitHeaders(decision.resetSeconds, limit));

  try {
    authenticateClient(sim, ctx, body);
    let result: TokenSet;
    if (grantType === 'authorization_code') {
      result = sim.oauth.exchangeCode({
        code: str(body.code),
        redirectUri: str(body.redirect_uri),
        codeVerifier: str(body.code_verifier),
        scope: str(body.scope),
        version,
      });
    } else {
      result = sim.oauth.refresh(str(body.refresh_token), str(body.scope));
    }
    sendJson(ctx.res, 200, result);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    sendOAuthError(ctx, error);
  }
}

function authenticateClient(sim: SimContext, ctx: RouteContext, body: JsonObject): void {
  const grantType = str(body.grant_type);
  if (!grantType) throw new OAuthError(20001, 'missing required parameter: grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new OAuthError(20036, `unsupported grant_type: ${grantType}`);
  }
  let clientId = str(body.client_id);
  let clientSecret = str(body.client_secret);
  const basic = /^Basic\s+(.+)$/i.exec(ctx.req.headers.authorization ?? '');
  if (basic?.[1]) {
    if (clientSecret !== undefined) {
      throw new OAuthError(20070, 'send the client credentials either with HTTP Basic auth or in the body, not both');
    }
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    clientId = clientId ?? decodeURIComponent(decoded.slice(0, colon));
    clientSecret = decodeURIComponent(decoded.slice(colon + 1));
  }
  if (!clientId) throw new OAuthError(20001, 'missing required parameter: client_id');
  if (!clientSecret) throw new OAuthError(20001, 'missing required parameter: client_secret');
  const { app } = sim.state;
  if (clientId !== app.appId || clientSecret !== app.appSecret) {
    throw new OAuthError(20002, 'client_id or client_secret is invalid');
  }
}

function sendOAuthError(ctx: RouteContext, error: OAuthError): void {
  sendJson(ctx.res, error.status, error.toBody());
}
