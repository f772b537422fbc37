import type { IncomingMessage } from 'node:http';

import { decide, validateAuthorize } from './authorize';
import { renderConsentPage, renderErrorPage, type UserChoice } from './consent-page';
import type { SimContext } from './context';
import { bearerToken, redirect, type Router, sendHtml, sendJson, str } from './http-util';
import type { Identity, SimApp, SimState } from './state';

export const CHAT_USER_COOKIE = 'sim_user';

/** Every person, by their open_id in `app`, for a "Continue as" selector. */
export function userChoices(state: SimState, app: SimApp): UserChoice[] {
  return state.persons.flatMap((person) => {
    const identity = state.identityIn(person, app.appId);
    return identity ? [{ openId: identity.openId, name: person.name }] : [];
  });
}

/** The open_id in `app` of the person whose chat page set the cookie (it may hold their open_id in another app). */
export function preselectedOpenId(state: SimState, app: SimApp, req: IncomingMessage): string | undefined {
  const person = state.identity(readCookie(req, CHAT_USER_COOKIE))?.person;
  return person ? state.identityIn(person, app.appId)?.openId : undefined;
}

/** The person behind any of their open_ids, in `app`. */
export function identityInApp(state: SimState, openId: string | undefined, app: SimApp): Identity | undefined {
  const person = state.identity(openId)?.person;
  return person ? state.identityIn(person, app.appId) : undefined;
}

export function registerOAuthRoutes(router: Router, sim: SimContext): void {
  const { state } = sim;

  router.add('GET', '/open-apis/authen/v1/authorize', (ctx) => {
    const validation = validateAuthorize(state, ctx.url.searchParams);
    if (!validation.ok) return sendHtml(ctx.res, 400, renderErrorPage(validation.code, validation.message));
    const { app } = validation.request;
    const html = renderConsentPage(
      app,
      validation.request,
      ctx.url.search.replace(/^\?/, ''),
      userChoices(state, app),
      preselectedOpenId(state, app, ctx.req),
    );
    sendHtml(ctx.res, 200, html);
  });

  // The consent page's form posts here; the answer is the browser redirect Feishu would send.
  router.add('POST', '/_sim/consent', async (ctx) => {
    const body = await ctx.body();
    const validation = validateAuthorize(state, new URLSearchParams(str(body.authorize_query) ?? ''));
    if (!validation.ok) return sendHtml(ctx.res, 400, renderErrorPage(validation.code, validation.message));
    const identity = identityInApp(state, str(body.open_id), validation.request.app);
    if (!identity) return sendHtml(ctx.res, 400, renderErrorPage(20008, 'choose an existing simulated user'));
    const decision = str(body.decision);
    if (decision !== 'approve' && decision !== 'deny') {
      return sendHtml(ctx.res, 400, renderErrorPage(20001, 'decision must be approve or deny'));
    }
    redirect(ctx.res, decide(sim.oauth, validation.request, identity, decision === 'approve'));
  });

  router.add('GET', '/open-apis/authen/v1/user_info', (ctx) => {
    const token = bearerToken(ctx.req);
    const found = sim.oauth.lookupAccessToken(token);
    const app = found.identity?.app;
    state.statsOf(app).userInfoRequests += 1;
    const fault = sim.faults.take('user_info', app?.appId);
    if (fault) return void sim.faults.apply(fault, ctx.res);
    if (!token) {
      return sendJson(ctx.res, 401, { code: 99991661, msg: 'Missing access token for authorization.' });
    }
    if (!found.ok) {
      if (found.reason === 'revoked') {
        return sendJson(ctx.res, 200, { code: 20005, msg: 'the user access token is invalid: the user revoked it' });
      }
      if (found.reason === 'expired') {
        return sendJson(ctx.res, 401, { code: 99991677, msg: 'user access token expired' });
      }
      return sendJson(ctx.res, 401, { code: 99991668, msg: 'Invalid access token for authorization.' });
    }
    const { identity } = found;
    const { person } = identity;
    if (person.status === 'resigned') return sendJson(ctx.res, 200, { code: 20021, msg: 'the user has resigned' });
    if (person.status === 'frozen') return sendJson(ctx.res, 200, { code: 20022, msg: 'the user is frozen' });
    const avatar = `https://s1-imfile.feishucdn.com/static-resource/v1/sim-avatar-${person.userId}`;
    sendJson(ctx.res, 200, {
      code: 0,
      msg: 'success',
      data: {
        name: person.name,
        en_name: person.name,
        avatar_url: `${avatar}~?image_size=72x72`,
        avatar_thumb: `${avatar}~?image_size=72x72`,
        avatar_middle: `${avatar}~?image_size=240x240`,
        avatar_big: `${avatar}~?image_size=640x640`,
        open_id: identity.openId,
        union_id: person.unionId,
        user_id: person.userId,
        tenant_key: identity.app.tenantKey,
      },
    });
  });
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
