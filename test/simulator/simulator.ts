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
import { PeakRate, RateLimiter } from './rate-limit';
import { newApp, SimState, type SimUser } from './state';
import { registerTokenRoutes } from './token-routes';
import { registerWsRoutes } from './ws-routes';
import { WsHub } from './ws-server';

export const DEFAULT_APP_ID = 'cli_0123456789abcdef';
export const DEFAULT_APP_SECRET = 'sim-app-secret';
export const DEFAULT_REDIRECT_URIS = ['http://localhost:8000/callback', 'http://127.0.0.1:8000/callback'];

export interface SimulatorOptions {
  /** 0 = a free port (default). */
  port?: number;
  host?: string;
  appId?: string;
  appSecret?: string;
  /** Shown on the consent page and the chat page. */
  appName?: string;
  redirectUris?: string[];
  users?: Array<{ name: string; openId?: string }>;
  quiet?: boolean;
}

export interface Simulator {
  /** http://HOST:PORT, no trailing slash. */
  url: string;
  port: number;
  createUser(name: string, openId?: string): SimUser;
  addRedirectUri(uri: string): void;
  /** Closes HTTP and every WebSocket connection, ends held responses and pending acks. */
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const app = newApp(
    options.appId ?? DEFAULT_APP_ID,
    options.appSecret ?? DEFAULT_APP_SECRET,
    options.appName ?? 'lark-card-auth',
    options.redirectUris ?? DEFAULT_REDIRECT_URIS,
  );
  const state = new SimState(app);
  const log = options.quiet ? () => undefined : (line: string) => console.log(`[feishu-sim] ${line}`);
  const sim: SimContext = {
    state,
    faults: new Faults(),
    oauth: new OAuthStore(state),
    ws: new WsHub(state, log),
    limiter: new RateLimiter(),
    tokenPeak: new PeakRate(),
    log,
  };
  const router = new Router();
  registerTokenRoutes(router, sim);
  registerOAuthRoutes(router, sim);
  registerImRoutes(router, sim);
  registerWsRoutes(router, sim);
  registerControlRoutes(router, sim);
  registerInteractionRoutes(router, sim);
  registerAssetRoutes(router);
  for (const user of options.users ?? []) state.createUser(user.name, user.openId);

  const server = createServer((req, res) => void dispatch(router, req, res, log));
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
    createUser: (name, openId) => state.createUser(name, openId),
    addRedirectUri: (uri) => void app.redirectUris.add(uri),
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
