import type { SimContext } from './context';
import { bearerToken, type Router, sendJson } from './http-util';
import { scopeDescription, scopeTokenTypes, SELF_MANAGE_SCOPE } from './scopes';
import { tenantTokenApp } from './token-routes';

/** Chosen by the simulator (Feishu's docs name no code): reading another app's information with one's own token. */
export const OTHER_APP_CODE = 210504;

/** The app reads its own console configuration, as openclaw-lark's app-scope precheck does. */
export function registerApplicationRoutes(router: Router, sim: SimContext): void {
  router.add('GET', '/open-apis/application/v6/applications/:app_id', (ctx) => {
    const app = tenantTokenApp(sim.state, bearerToken(ctx.req));
    if (!app) {
      return sendJson(ctx.res, 400, {
        code: 99991663,
        msg: 'Invalid access token for authorization. Please make a request with a valid tenant_access_token.',
      });
    }
    if (!app.enabledScopes.has(SELF_MANAGE_SCOPE)) {
      const host = ctx.req.headers.host ?? ctx.url.host;
      return sendJson(ctx.res, 400, {
        code: 99991672,
        msg:
          `Access denied. One of the following scopes is required: [${SELF_MANAGE_SCOPE}]. ` +
          `Enable it for app ${app.appId}: http://${host}/app/${app.appId}/auth?q=${SELF_MANAGE_SCOPE}&token_type=tenant`,
        error: { permission_violations: [{ type: 'action_scope_required', subject: SELF_MANAGE_SCOPE }] },
      });
    }
    const wanted = ctx.params.app_id ?? '';
    if (wanted !== app.appId && wanted !== 'me') {
      return sendJson(ctx.res, 400, {
        code: OTHER_APP_CODE,
        msg: `no permission: app ${app.appId} cannot read the information of app ${wanted}`,
      });
    }
    const scopes = [...app.enabledScopes].map((scope) => ({
      scope,
      description: scopeDescription(scope),
      level: 1,
      token_types: scopeTokenTypes(scope),
    }));
    sendJson(ctx.res, 200, {
      code: 0,
      msg: 'success',
      data: {
        app: {
          app_id: app.appId,
          app_name: app.name,
          status: 1,
          primary_language: ctx.url.searchParams.get('lang') ?? 'zh_cn',
          scopes,
        },
      },
    });
  });
}
