import type { IncomingMessage } from 'node:http';

import { decide, validateAuthorize } from './authorize';
import { renderConsentPage, renderErrorPage } from './consent-page';
import type { SimContext } from './context';
import { bearerToken, redirect, type Router, sendHtml, sendJson, str } from './http-util';

export const CHAT_USER_COOKIE = 'sim_user';

export function registerOAuthRoutes(router: Router, sim: SimContext): void {
  router.add('GET', '/open-apis/authen/v1/authorize', (ctx) => {
    const { app, users } = sim.state;
    const validation = validateAuthorize(app, ctx.url.searchParams);
    if (!validation.ok) return sendHtml(ctx.res, 400, renderErrorPage(validation.code, validation.message));
    const html = renderConsentPage(
      app,
      validation.request,
      ctx.url.search.replace(/^\?/, ''),
      [...users.values()],
      readCookie(ctx.req, CHAT_USER_COOKIE),
    );
    sendHtml(ctx.res, 200, html);
  });

  // The consent page's form posts here; the answer is the browser redirect Feishu would send.
  router.add('POST', '/_sim/consent', async (ctx) => {
    const body = await ctx.body();
    const validation = validateAuthorize(sim.state.app, new URLSearchParams(str(body.authorize_query) ?? ''));
    if (!validation.ok) return sendHtml(ctx.res, 400, renderErrorPage(validation.code, validation.message));
    const user = sim.state.users.get(str(body.open_id) ?? '');
    if (!user) return sendHtml(ctx.res, 400, renderErrorPage(20008, 'choose an existing simulated user'));
    const decision = str(body.decision);
    if (decision !== 'approve' && decision !== 'deny') {
      return sendHtml(ctx.res, 400, renderErrorPage(20001, 'decision must be approve or deny'));
    }
    redirect(ctx.res, decide(sim.oauth, validation.request, user, decision === 'approve'));
  });

  router.add('GET', '/open-apis/authen/v1/user_info', (ctx) => {
    sim.state.stats.userInfoRequests += 1;
    const fault = sim.faults.take('user_info');
    if (fault) return void sim.faults.apply(fault, ctx.res);
    const token = bearerToken(ctx.req);
    if (!token) {
      return sendJson(ctx.res, 401, { code: 99991661, msg: 'Missing access token for authorization.' });
    }
    const found = sim.oauth.lookupAccessToken(token);
    if (!found.ok && found.reason === 'expired') {
      return sendJson(ctx.res, 401, { code: 99991677, msg: 'user access token expired' });
    }
    if (!found.ok) return sendJson(ctx.res, 401, { code: 99991668, msg: 'Invalid access token for authorization.' });
    const { user } = found;
    const avatar = `https://s1-imfile.feishucdn.com/static-resource/v1/sim-avatar-${user.userId}`;
    sendJson(ctx.res, 200, {
      code: 0,
      msg: 'success',
      data: {
        name: user.name,
        en_name: user.name,
        avatar_url: `${avatar}~?image_size=72x72`,
        avatar_thumb: `${avatar}~?image_size=72x72`,
        avatar_middle: `${avatar}~?image_size=240x240`,
        avatar_big: `${avatar}~?image_size=640x640`,
        open_id: user.openId,
        union_id: user.unionId,
        user_id: user.userId,
        tenant_key: sim.state.app.tenantKey,
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
