import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { registerAssetRoutes } from './asset-routes';
import type { SimContext } from './context';
import { registerControlRoutes } from './control-routes';
import { Faults } from './faults';
import {
  BodyParseError,
  type JsonObject,
  parseBody,
  readRawBody,
  type RouteContext,
  Router,
  sendJson,
} from './http-util';
import { registerImRoutes } from './im-routes';
import { registerInteractionRoutes } from './interaction-routes';
import { registerOAuthRoutes } from './oauth-routes';
import { OAuthStore } from './oauth-store';
import { registerApplicationRoutes } from './application-routes';
import { registerDeviceRoutes } from './device-routes';
import { RateLimiter } from './rate-limit';
import { DEFAULT_ENABLED_SCOPES } from './scopes';
import { newApp, SimState, type SimUserRecord } from './state';
import { registerTokenRoutes } from './token-routes';
import { registerWsRoutes } from './ws-routes';
import { WsHub } from './ws-server';

const TOKEN_PATHS = new Set(['/open-apis/authen/v2/oauth/token', '/oauth/v3/token']);

export const DEFAULT_APP_ID = 'cli_0123456789abcdef';
export const DEFAULT_APP_SECRET = 'sim-app-secret';
export const DEFAULT_APP_NAME = 'lark-card-auth';
export const DEFAULT_REDIRECT_URIS = ['http://localhost:8000/callback', 'http://127.0.0.1:8000/callback'];

export interface SimulatorAppOptions {
  appId: string;
  appSecret: string;
  /** Shown on the consent, verification and chat pages (default lark-card-auth). */
  name?: string;
  /** Scopes enabled in the app's console (default DEFAULT_ENABLED_SCOPES or the top-level `enabledScopes`). */
  enabledScopes?: string[];
  /** Registered redirect URLs (default the top-level `redirectUris` or DEFAULT_REDIRECT_URIS). */
  redirectUris?: string[];
}

export interface SimulatorOptions {
  /** 0 = a free port (default). */
  port?: number;
  host?: string;
  /** Several apps; the first is the default app. When absent, the single-app options below make one. */
  apps?: SimulatorAppOptions[];
  appId?: string;
  appSecret?: string;
  /** Shown on the consent page and the chat page. */
  appName?: string;
  redirectUris?: string[];
  /** Default enabled scopes of every app that does not list its own. */
  enabledScopes?: string[];
  users?: Array<{ name: string; openId?: string }>;
  quiet?: boolean;
}

export interface Simulator {
  /** http://HOST:PORT, no trailing slash. */
  url: string;
  port: number;
  /** The app ids, the default (first) app first. */
  apps: string[];
  createUser(name: string, openId?: string): SimUserRecord;
  /** The open_id in `appId` of the person any of whose open_ids is given (undefined if unknown). */
  openIdIn(appId: string, openId: string): string | undefined;
  /** Registers a redirect URL for one app, or for every app when appId is absent. */
  addRedirectUri(uri: string, appId?: string): void;
  /** Closes HTTP and every WebSocket connection, ends held responses and pending acks. */
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const defaults = {
    scopes: options.enabledScopes ?? DEFAULT_ENABLED_SCOPES,
    redirectUris: options.redirectUris ?? DEFAULT_REDIRECT_URIS,
  };
  const appOptions: SimulatorAppOptions[] = options.apps?.length
    ? options.apps
    : [
        {
          appId: options.appId ?? DEFAULT_APP_ID,
          appSecret: options.appSecret ?? DEFAULT_APP_SECRET,
          name: options.appName ?? DEFAULT_APP_NAME,
        },
      ];
  const state = new SimState(appOptions.map((a) => newApp(a, defaults)));
  const log = options.quiet ? () => undefined : (line: string) => console.log(`[feishu-sim] ${line}`);
  const sim: SimContext = {
    state,
    faults: new Faults(),
    oauth: new OAuthStore(state),
    ws: new WsHub(state, log),
    limiter: new RateLimiter(),
    log,
  };
  const router = new Router();
  registerTokenRoutes(router, sim);
  registerOAuthRoutes(router, sim);
  registerDeviceRoutes(router, sim);
  registerImRoutes(router, sim);
  registerApplicationRoutes(router, sim);
  registerWsRoutes(router, sim);
  registerControlRoutes(router, sim);
  registerInteractionRoutes(router, sim);
  registerAssetRoutes(router);
  for (const user of options.users ?? []) state.createUser(user.name, user.openId);

  const server = createServer((req, res) => {
    // Token requests are counted the moment they arrive, before their body is read, so the per-second peak is as
    // close to the wire as this process can see it.
    if (req.method === 'POST' && TOKEN_PATHS.has((req.url ?? '').split('?')[0] ?? '')) state.tokenPeak.record();
    void dispatch(router, req, res, log);
  });
  server.on('upgrade', (req, socket, head) => sim.ws.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    apps: [...state.apps.keys()],
    createUser: (name, openId) => state.createUser(name, openId),
    openIdIn: (appId, openId) => {
      const person = state.identity(openId)?.person;
      return person ? state.identityIn(person, appId)?.openId : undefined;
    },
    addRedirectUri: (uri, appId) => {
      const apps = appId === undefined ? [...state.apps.values()] : [state.app(appId)];
      for (const app of apps) {
        if (!app) throw new Error(`unknown app ${appId ?? ''}`);
        app.redirectUris.add(uri);
      }
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        sim.ws.close();
        sim.faults.releaseHeld();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function dispatch(
  router: Router,
  req: IncomingMessage,
  res: ServerResponse,
  log: (l: string) => void,
): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://simulator');
  const match = router.match(method, url.pathname);
  if (!match) {
    log(`501 ${method} ${url.pathname}`);
    return sendJson(res, 501, {
      code: 501,
      msg: `The Feishu simulator does not implement ${method} ${url.pathname}`,
      method,
      path: url.pathname,
    });
  }
  let body: Promise<JsonObject> | undefined;
  const ctx: RouteContext = {
    req,
    res,
    url,
    params: match.params,
    body: () => (body ??= readRawBody(req).then((raw) => parseBody(raw, req.headers['content-type']))),
  };
  try {
    await match.handler(ctx);
  } catch (error) {
    if (error instanceof BodyParseError) {
      return sendJson(res, 400, { code: 9499, msg: `Bad Request: ${error.message}` });
    }
    log(`500 ${method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    sendJson(res, 500, { code: 1, msg: `simulator error: ${error instanceof Error ? error.message : String(error)}` });
  }
}
