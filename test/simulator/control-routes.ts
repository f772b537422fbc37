import { decide, validateAuthorize } from './authorize';
import type { SimContext } from './context';
import { FAULT_APIS, FAULT_KINDS, isFaultApi, isFaultKind } from './faults';
import { type Router, sendJson, str } from './http-util';
import { DEFAULT_CONFIG, emptyStats, publicMessage, type SimConfig } from './state';

/** The `/_sim/` control API of DESIGN.md §9 (plus a few extras: clock, stats reset, users list, faults list). */
export function registerControlRoutes(router: Router, sim: SimContext): void {
  const { state } = sim;

  router.add('POST', '/_sim/users', async (ctx) => {
    const body = await ctx.body();
    const name = str(body.name)?.trim();
    const openId = str(body.openId);
    if (!name) return sendJson(ctx.res, 400, { error: 'name (string) is required' });
    if (body.openId !== undefined && !openId) return sendJson(ctx.res, 400, { error: 'openId must be a string' });
    sendJson(ctx.res, 200, state.createUser(name, openId));
  });

  router.add('GET', '/_sim/users', (ctx) => sendJson(ctx.res, 200, [...state.users.values()]));

  router.add('GET', '/_sim/messages', (ctx) => {
    const openId = ctx.url.searchParams.get('openId') ?? undefined;
    sendJson(ctx.res, 200, state.messagesFor(openId).map(publicMessage));
  });

  router.add('GET', '/_sim/authorize-as', (ctx) => {
    const q = ctx.url.searchParams;
    const user = state.users.get(q.get('openId') ?? '');
    if (!user) return sendJson(ctx.res, 404, { error: `unknown openId ${q.get('openId') ?? '(missing)'}` });
    const decision = q.get('decision');
    if (decision !== 'approve' && decision !== 'deny') {
      return sendJson(ctx.res, 400, { error: 'decision must be approve or deny' });
    }
    let authorizeUrl: URL;
    try {
      authorizeUrl = new URL(q.get('url') ?? '');
    } catch {
      return sendJson(ctx.res, 400, { error: 'url must be an absolute authorize URL' });
    }
    if (authorizeUrl.pathname !== '/open-apis/authen/v1/authorize') {
      return sendJson(ctx.res, 400, {
        error: `url path must be /open-apis/authen/v1/authorize, not ${authorizeUrl.pathname}`,
      });
    }
    const validation = validateAuthorize(state.app, authorizeUrl.searchParams);
    if (!validation.ok) return sendJson(ctx.res, 400, { error: validation.message, code: validation.code });
    sendJson(ctx.res, 200, { location: decide(sim.oauth, validation.request, user, decision === 'approve') });
  });

  router.add('GET', '/_sim/config', (ctx) => sendJson(ctx.res, 200, state.config));
  router.add('POST', '/_sim/config', async (ctx) => {
    const body = await ctx.body();
    const problems: string[] = [];
    const updates: Partial<SimConfig> = {};
    for (const [key, value] of Object.entries(body)) {
      if (!(key in DEFAULT_CONFIG)) problems.push(`unknown key ${key}`);
      else if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${key} must be a number`);
      else if (value < 0 && key !== 'wsReconnectCount') problems.push(`${key} must not be negative`);
      else updates[key as keyof SimConfig] = value;
    }
    if (problems.length > 0) {
      return sendJson(ctx.res, 400, { error: problems.join('; '), keys: Object.keys(DEFAULT_CONFIG) });
    }
    Object.assign(state.config, updates);
    sendJson(ctx.res, 200, state.config);
  });

  router.add('GET', '/_sim/faults', (ctx) => sendJson(ctx.res, 200, sim.faults.pending()));
  router.add('DELETE', '/_sim/faults', (ctx) => {
    sim.faults.clear();
    sendJson(ctx.res, 200, { cleared: true });
  });
  router.add('POST', '/_sim/faults', async (ctx) => {
    const body = await ctx.body();
    const count = body.count === undefined ? 1 : body.count;
    if (!isFaultApi(body.api)) return sendJson(ctx.res, 400, { error: `api must be one of ${FAULT_APIS.join(', ')}` });
    if (!isFaultKind(body.kind)) {
      return sendJson(ctx.res, 400, { error: `kind must be one of ${FAULT_KINDS.join(', ')}` });
    }
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      return sendJson(ctx.res, 400, { error: 'count must be a positive integer' });
    }
    sim.faults.add(body.api, body.kind, count);
    sendJson(ctx.res, 200, { api: body.api, kind: body.kind, count });
  });

  router.add('POST', '/_sim/revoke', async (ctx) => {
    const openId = str((await ctx.body()).openId);
    if (!openId || !state.users.has(openId)) return sendJson(ctx.res, 404, { error: `unknown openId ${openId ?? ''}` });
    sendJson(ctx.res, 200, { openId, revokedGrants: sim.oauth.revoke(openId) });
  });

  router.add('GET', '/_sim/stats', (ctx) => sendJson(ctx.res, 200, state.stats));
  router.add('POST', '/_sim/stats/reset', (ctx) => {
    state.stats = emptyStats();
    sim.tokenPeak.reset();
    sendJson(ctx.res, 200, state.stats);
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
