import type { SimContext } from './context';
import { type Router, sendJson, str } from './http-util';

const AUTH_FAILED = 514;

export function registerWsRoutes(router: Router, sim: SimContext): void {
  router.add('POST', '/callback/ws/endpoint', async (ctx) => {
    const fault = sim.faults.take('ws_endpoint');
    if (fault) return void sim.faults.apply(fault, ctx.res);
    const body = await ctx.body();
    const { app } = sim.state;
    if (str(body.AppID) !== app.appId || str(body.AppSecret) !== app.appSecret) {
      // `data` must be an object even on failure: the SDK destructures it before looking at `code`.
      return sendJson(ctx.res, 200, { code: AUTH_FAILED, msg: 'auth failed: wrong AppID or AppSecret', data: {} });
    }
    const host = ctx.req.headers.host ?? ctx.url.host;
    sendJson(ctx.res, 200, { code: 0, msg: 'ok', data: sim.ws.endpoint(host) });
  });

  router.add('POST', '/_sim/ws/drop', (ctx) => {
    sendJson(ctx.res, 200, { dropped: sim.ws.drop() });
  });

  router.add('GET', '/_sim/ws/status', (ctx) => {
    sendJson(ctx.res, 200, sim.ws.status());
  });
}
