import { decide, validateAuthorize } from './authorize';
import type { SimContext } from './context';
import { decideDevice, DEVICE_VERIFY_PATH } from './device-routes';
import { FAULT_APIS, FAULT_KINDS, isFaultApi, isFaultKind } from './faults';
import { type JsonObject, type RouteContext, type Router, sendJson, str } from './http-util';
import { splitScopes } from './oauth-store';
import { SCOPE_PATTERN } from './scopes';
import {
  DEFAULT_CONFIG,
  PERSON_STATUSES,
  type PersonStatus,
  publicMessage,
  type SimApp,
  type SimConfig,
} from './state';

/** The `/_sim/` control API: what tests, the demo and outside checkers drive the simulated Feishu with. */
export function registerControlRoutes(router: Router, sim: SimContext): void {
  const { state } = sim;

  /** `?appId=` (or `appId` in a body): undefined = every app; an unknown id answers 404. */
  const appFilter = (ctx: RouteContext, appId: string | undefined): { ok: boolean; app?: SimApp } => {
    if (appId === undefined) return { ok: true };
    const app = state.app(appId);
    if (!app) sendJson(ctx.res, 404, { error: `unknown appId ${appId}`, apps: [...state.apps.keys()] });
    return { ok: app !== undefined, app };
  };

  router.add('POST', '/_sim/users', async (ctx) => {
    const body = await ctx.body();
    const name = str(body.name)?.trim();
    const openId = str(body.openId);
    if (!name) return sendJson(ctx.res, 400, { error: 'name (string) is required' });
    if (body.openId !== undefined && !openId) return sendJson(ctx.res, 400, { error: 'openId must be a string' });
    sendJson(ctx.res, 200, state.createUser(name, openId));
  });

  router.add('GET', '/_sim/users', (ctx) =>
    sendJson(
      ctx.res,
      200,
      state.persons.map((p) => ({ ...state.record(p), status: p.status, blockedApps: [...p.blockedApps] })),
    ),
  );

  router.add('POST', '/_sim/users/:openId/status', async (ctx) => {
    const identity = state.identity(ctx.params.openId);
    if (!identity) return sendJson(ctx.res, 404, { error: `unknown openId ${ctx.params.openId ?? ''}` });
    const status = str((await ctx.body()).status);
    if (!PERSON_STATUSES.includes(status as PersonStatus)) {
      return sendJson(ctx.res, 400, { error: `status must be one of ${PERSON_STATUSES.join(', ')}` });
    }
    identity.person.status = status as PersonStatus;
    sendJson(ctx.res, 200, { openId: identity.openId, status });
  });

  for (const action of ['block', 'unblock'] as const) {
    router.add('POST', `/_sim/users/:openId/${action}`, (ctx) => {
      const identity = state.identity(ctx.params.openId);
      if (!identity) return sendJson(ctx.res, 404, { error: `unknown openId ${ctx.params.openId ?? ''}` });
      if (action === 'block') identity.person.blockedApps.add(identity.app.appId);
      else identity.person.blockedApps.delete(identity.app.appId);
      sendJson(ctx.res, 200, { openId: identity.openId, appId: identity.app.appId, blocked: action === 'block' });
    });
  }

  router.add('GET', '/_sim/messages', (ctx) => {
    const openId = ctx.url.searchParams.get('openId') ?? undefined;
    sendJson(ctx.res, 200, state.messagesFor(openId).map(publicMessage));
  });

  for (const action of ['recall', 'delete'] as const) {
    router.add('POST', `/_sim/messages/:messageId/${action}`, (ctx) => {
      const message = state.messages.get(ctx.params.messageId ?? '');
      if (!message) return sendJson(ctx.res, 404, { error: `unknown messageId ${ctx.params.messageId ?? ''}` });
      if (action === 'recall') message.recalled = true;
      else message.deleted = true;
      sendJson(ctx.res, 200, publicMessage(message));
    });
  }

  router.add('GET', '/_sim/authorize-as', (ctx) => {
    const q = ctx.url.searchParams;
    const identity = state.identity(q.get('openId') ?? '');
    if (!identity) return sendJson(ctx.res, 404, { error: `unknown openId ${q.get('openId') ?? '(missing)'}` });
    const decision = q.get('decision');
    if (decision !== 'approve' && decision !== 'deny') {
      return sendJson(ctx.res, 400, { error: 'decision must be approve or deny' });
    }
    let url: URL;
    try {
      url = new URL(q.get('url') ?? '');
    } catch {
      return sendJson(ctx.res, 400, { error: 'url must be an absolute authorize or device verification URL' });
    }
    if (url.pathname === DEVICE_VERIFY_PATH) {
      const userCode = url.searchParams.get('user_code') ?? '';
      const checked = decideDevice(state, sim.oauth.findPendingByUserCode(userCode), identity.openId, decision);
      if (!checked.ok) return sendJson(ctx.res, 400, { error: checked.message, code: checked.code });
      sim.oauth.decideDevice(checked.device, checked.identity, decision === 'approve');
      return sendJson(ctx.res, 200, { userCode: checked.device.userCode, decision });
    }
    if (url.pathname !== '/open-apis/authen/v1/authorize') {
      return sendJson(ctx.res, 400, {
        error: `url path must be /open-apis/authen/v1/authorize or ${DEVICE_VERIFY_PATH}, not ${url.pathname}`,
      });
    }
    const validation = validateAuthorize(state, url.searchParams);
    if (!validation.ok) return sendJson(ctx.res, 400, { error: validation.message, code: validation.code });
    const person = identity.person;
    const inApp = state.identityIn(person, validation.request.app.appId);
    if (!inApp) return sendJson(ctx.res, 404, { error: `no identity of ${person.name} in the app` });
    sendJson(ctx.res, 200, { location: decide(sim.oauth, validation.request, inApp, decision === 'approve') });
  });

  const configView = (app: SimApp | undefined): JsonObject => {
    const apps: Record<string, { enabledScopes: string[] }> = {};
    for (const a of state.apps.values()) apps[a.appId] = { enabledScopes: [...a.enabledScopes] };
    const shown = app ?? state.defaultApp;
    return {
      ...state.config,
      appId: shown.appId,
      enabledScopes: [...shown.enabledScopes],
      ...(app ? {} : { apps }),
    };
  };

  router.add('GET', '/_sim/config', (ctx) => {
    const filter = appFilter(ctx, ctx.url.searchParams.get('appId') ?? undefined);
    if (filter.ok) sendJson(ctx.res, 200, configView(filter.app));
  });
  router.add('POST', '/_sim/config', async (ctx) => {
    const body = await ctx.body();
    const problems: string[] = [];
    const updates: Partial<SimConfig> = {};
    let scopes: string[] | undefined;
    for (const [key, value] of Object.entries(body)) {
      if (key === 'appId') continue;
      if (key === 'enabledScopes') {
        if (!Array.isArray(value) || !value.every((s) => typeof s === 'string' && SCOPE_PATTERN.test(s))) {
          problems.push('enabledScopes must be an array of scope names');
        } else {
          scopes = value as string[];
        }
      } else if (!(key in DEFAULT_CONFIG)) problems.push(`unknown key ${key}`);
      else if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${key} must be a number`);
      else if (value < 0 && key !== 'wsReconnectCount') problems.push(`${key} must not be negative`);
      else if (key === 'duplicateEventRate' && value > 1) problems.push('duplicateEventRate must be within 0..1');
      else updates[key as keyof SimConfig] = value;
    }
    if (body.appId !== undefined && typeof body.appId !== 'string') problems.push('appId must be a string');
    if (problems.length > 0) {
      return sendJson(ctx.res, 400, {
        error: problems.join('; '),
        keys: [...Object.keys(DEFAULT_CONFIG), 'enabledScopes', 'appId'],
      });
    }
    const filter = appFilter(ctx, str(body.appId));
    if (!filter.ok) return;
    Object.assign(state.config, updates);
    if (scopes) {
      for (const app of filter.app ? [filter.app] : state.apps.values()) app.enabledScopes = new Set(scopes);
    }
    sendJson(ctx.res, 200, configView(filter.app));
  });

  router.add('GET', '/_sim/faults', (ctx) => {
    const silent = sim.ws.silenced().map((s) => ({ api: 'ws', kind: 'ws_silent', ...s }));
    sendJson(ctx.res, 200, [...sim.faults.pending(), ...silent]);
  });
  router.add('DELETE', '/_sim/faults', (ctx) => {
    sim.faults.clear();
    sim.ws.unsilence();
    sendJson(ctx.res, 200, { cleared: true });
  });
  router.add('POST', '/_sim/faults', async (ctx) => {
    const body = await ctx.body();
    if (!isFaultApi(body.api)) return sendJson(ctx.res, 400, { error: `api must be one of ${FAULT_APIS.join(', ')}` });
    if (!isFaultKind(body.kind)) {
      return sendJson(ctx.res, 400, { error: `kind must be one of ${FAULT_KINDS.join(', ')}` });
    }
    if ((body.api === 'ws') !== (body.kind === 'ws_silent')) {
      return sendJson(ctx.res, 400, { error: 'api "ws" goes with kind "ws_silent" and only with it' });
    }
    if (body.appId !== undefined && typeof body.appId !== 'string') {
      return sendJson(ctx.res, 400, { error: 'appId must be a string' });
    }
    const filter = appFilter(ctx, str(body.appId));
    if (!filter.ok) return;
    const appId = filter.app?.appId;
    const scope = appId ? { appId } : {};
    if (body.api === 'ws') {
      return sendJson(ctx.res, 200, { api: 'ws', kind: 'ws_silent', ...scope, silenced: sim.ws.silence(appId) });
    }
    if (body.rate !== undefined) {
      if (body.count !== undefined) return sendJson(ctx.res, 400, { error: 'give either count or rate, not both' });
      const rate = body.rate;
      if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
        return sendJson(ctx.res, 400, { error: 'rate must be a number in (0, 1]' });
      }
      sim.faults.addRandom(body.api, body.kind, rate, appId);
      return sendJson(ctx.res, 200, { api: body.api, kind: body.kind, rate, ...scope });
    }
    const count = body.count === undefined ? 1 : body.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      return sendJson(ctx.res, 400, { error: 'count must be a positive integer' });
    }
    sim.faults.add(body.api, body.kind, count, appId);
    sendJson(ctx.res, 200, { api: body.api, kind: body.kind, count, ...scope });
  });

  router.add('POST', '/_sim/revoke', async (ctx) => {
    const openId = str((await ctx.body()).openId);
    if (!openId || !state.identity(openId)) return sendJson(ctx.res, 404, { error: `unknown openId ${openId ?? ''}` });
    sendJson(ctx.res, 200, { openId, revokedGrants: sim.oauth.revoke(openId) });
  });

  router.add('POST', '/_sim/grants', async (ctx) => {
    const body = await ctx.body();
    const identity = state.identity(str(body.openId));
    if (!identity) return sendJson(ctx.res, 404, { error: `unknown openId ${str(body.openId) ?? ''}` });
    const scopes = splitScopes(str(body.scope) ?? 'offline_access');
    sendJson(ctx.res, 200, sim.oauth.grantDirectly(identity, scopes));
  });

  router.add('POST', '/_sim/tenant-tokens/revoke', async (ctx) => {
    const filter = appFilter(ctx, str((await ctx.body()).appId));
    if (!filter.ok) return;
    const apps = filter.app ? [filter.app] : [...state.apps.values()];
    for (const app of apps) app.tenantTokenGeneration += 1;
    sendJson(ctx.res, 200, { revoked: apps.map((a) => a.appId) });
  });

  router.add('GET', '/_sim/stats', (ctx) => {
    const filter = appFilter(ctx, ctx.url.searchParams.get('appId') ?? undefined);
    if (filter.ok) sendJson(ctx.res, 200, state.statsView(filter.app));
  });
  router.add('POST', '/_sim/stats/reset', (ctx) => {
    state.resetStats();
    sendJson(ctx.res, 200, state.statsView());
  });

  router.add('POST', '/_sim/clock', async (ctx) => {
    const advance = (await ctx.body()).advanceSeconds;
    if (typeof advance !== 'number' || !Number.isFinite(advance) || advance < 0) {
      return sendJson(ctx.res, 400, { error: 'advanceSeconds must be a non-negative number' });
    }
    state.advanceClock(advance);
    sendJson(ctx.res, 200, { now: state.isoNow() });
  });
  router.add('GET', '/_sim/clock', (ctx) => sendJson(ctx.res, 200, { now: state.isoNow() }));
}
