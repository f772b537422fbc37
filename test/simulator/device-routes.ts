import { scopeProblem } from './authorize';
import { renderDeviceDonePage, renderDevicePage, renderErrorPage } from './consent-page';
import type { SimContext } from './context';
import { BodyParseError, type JsonObject, type Router, sendHtml, sendJson, str } from './http-util';
import { type DeviceAuthorization, splitScopes } from './oauth-store';
import { identityInApp, preselectedOpenId, userChoices } from './oauth-routes';
import type { Identity, SimState } from './state';
import { clientCredentials } from './token-routes';

export const DEVICE_VERIFY_PATH = '/oauth/v1/device/verify';

/** OAuth 2.0 Device Authorization Grant (RFC 8628) as Feishu's accounts host serves it. */
export function registerDeviceRoutes(router: Router, sim: SimContext): void {
  const { state } = sim;

  router.add('POST', '/oauth/v1/device_authorization', async (ctx) => {
    let body: JsonObject;
    try {
      body = await ctx.body();
    } catch (error) {
      if (!(error instanceof BodyParseError)) throw error;
      return sendJson(ctx.res, 400, { error: 'invalid_request', error_description: error.message });
    }
    const credentials = clientCredentials(ctx, body);
    const app = state.app(credentials.clientId);
    const fault = sim.faults.take('device_authorization', app?.appId);
    if (fault) return void sim.faults.apply(fault, ctx.res);
    const fail = (status: number, error: string, description: string, extra: JsonObject = {}): void =>
      sendJson(ctx.res, status, { error, error_description: description, ...extra });
    if (credentials.both) {
      return fail(
        400,
        'invalid_request',
        'send the client secret either with HTTP Basic auth or in the body, not both',
      );
    }
    if (!credentials.clientId) return fail(400, 'invalid_request', 'missing required parameter: client_id');
    if (!app || credentials.clientSecret !== app.appSecret) {
      return fail(401, 'invalid_client', 'client authentication failed: unknown client_id or wrong client_secret');
    }
    const scopes = splitScopes(str(body.scope));
    const problem = scopeProblem(app, scopes);
    if (problem !== undefined) return fail(400, 'invalid_scope', problem, { code: 20027 });
    const device = sim.oauth.startDeviceAuthorization(app, scopes);
    app.stats.deviceAuthorizations += 1;
    const verificationUri = `http://${ctx.req.headers.host ?? ctx.url.host}${DEVICE_VERIFY_PATH}`;
    sendJson(ctx.res, 200, {
      device_code: device.deviceCode,
      user_code: device.userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(device.userCode)}`,
      expires_in: state.config.deviceCodeTtlSeconds,
      interval: device.interval,
    });
  });

  router.add('GET', DEVICE_VERIFY_PATH, (ctx) => {
    const userCode = ctx.url.searchParams.get('user_code') ?? '';
    const device = sim.oauth.findPendingByUserCode(userCode);
    if (!device) return sendHtml(ctx.res, 400, renderErrorPage(20003, unknownCode(userCode)));
    const app = state.app(device.appId);
    if (!app) return sendHtml(ctx.res, 400, renderErrorPage(20048, `app ${device.appId} does not exist`));
    const html = renderDevicePage(
      app,
      device.userCode,
      device.scopes,
      userChoices(state, app),
      preselectedOpenId(state, app, ctx.req),
    );
    sendHtml(ctx.res, 200, html);
  });

  // The verification page's form posts here.
  router.add('POST', '/_sim/device/decide', async (ctx) => {
    const body = await ctx.body();
    const userCode = str(body.user_code) ?? '';
    const decision = str(body.decision);
    const result = decideDevice(state, sim.oauth.findPendingByUserCode(userCode), str(body.open_id), decision);
    if (!result.ok) return sendHtml(ctx.res, 400, renderErrorPage(result.code, result.message));
    sim.oauth.decideDevice(result.device, result.identity, decision === 'approve');
    sendHtml(ctx.res, 200, renderDeviceDonePage(decision === 'approve'));
  });
}

function unknownCode(userCode: string): string {
  return userCode
    ? `the code ${userCode} is unknown, expired or already used: start again on your device`
    : 'user_code is missing';
}

type DecisionCheck =
  { ok: true; device: DeviceAuthorization; identity: Identity } | { ok: false; code: number; message: string };

/** Checks a decision on a device authorization by a person (any of their open_ids). */
export function decideDevice(
  state: SimState,
  device: DeviceAuthorization | undefined,
  openId: string | undefined,
  decision: string | undefined | null,
): DecisionCheck {
  if (!device) return { ok: false, code: 20003, message: 'the user code is unknown, expired or already used' };
  const app = state.app(device.appId);
  const identity = app ? identityInApp(state, openId, app) : undefined;
  if (!identity) return { ok: false, code: 20008, message: 'choose an existing simulated user' };
  if (decision !== 'approve' && decision !== 'deny') {
    return { ok: false, code: 20001, message: 'decision must be approve or deny' };
  }
  return { ok: true, device, identity };
}
