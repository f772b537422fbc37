import type { SimContext } from './context';
import { type Router, sendJson, str } from './http-util';

const AUTH_FAILED = 514;

export function registerWsRoutes(router: Router, sim: SimContext): void {
  router.add('POST', '/callback/ws/endpoint', async (ctx) => {
    const body = await ctx.body();
    const app = sim.state.app(str(body.AppID));
    const fault = sim.faults.take('ws_endpoint', app?.appId);
    if (fault) return void sim.faults.apply(fault, ctx.res);
    if (!app || str(body.AppSecret) !== app.appSecret) {
      // `data` must be an object even on failure: the SDK destructures it before looking at `code`.
      return sendJson(ctx.res, 200, { code: AUTH_FAILED, msg: 'auth failed: wrong AppID or AppSecret', data: {} });
    }
    const host = ctx.req.headers.host ?? ctx.url.host;
    sendJson(ctx.res, 200, { code: 0, msg: 'ok', data: sim.ws.endpoint(host, app.appId) });
  });

  router.add('POST', '/_sim/ws/drop', async (ctx) => {
    const appId = str((await ctx.body()).appId);
    if (appId !== undefined && !sim.state.apps.has(appId)) {
      return sendJson(ctx.res, 404, { error: `unknown appId ${appId}` });
    }
    sendJson(ctx.res, 200, { dropped: sim.ws.drop(appId) });
  });

  router.add('GET', '/_sim/ws/status', (ctx) => {
    sendJson(ctx.res, 200, sim.ws.status());
  });
}
