import { createHash, randomBytes } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';

import { DEFAULT_APP_ID } from './simulator';

/** A logger for the SDK that prints nothing (the SDK logs request bodies, secrets included, on errors). */
export const quietLogger = {
  error: (): void => undefined,
  warn: (): void => undefined,
  info: (): void => undefined,
  debug: (): void => undefined,
  trace: (): void => undefined,
};

export interface AuthorizeParams {
  redirectUri: string;
  scope?: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  clientId?: string;
}

export function authorizeUrl(simUrl: string, p: AuthorizeParams): string {
  const query = new URLSearchParams({
    client_id: p.clientId ?? DEFAULT_APP_ID,
    response_type: 'code',
    redirect_uri: p.redirectUri,
  });
  if (p.scope !== undefined) query.set('scope', p.scope);
  if (p.state !== undefined) query.set('state', p.state);
  if (p.codeChallenge !== undefined) query.set('code_challenge', p.codeChallenge);
  if (p.codeChallengeMethod !== undefined) query.set('code_challenge_method', p.codeChallengeMethod);
  return `${simUrl}/open-apis/authen/v1/authorize?${query}`;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
  pollMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export interface WsClientHandle {
  ws: lark.WSClient;
  close: () => void;
}

/**
 * A real SDK WSClient for `appId`, started with `handlers` on an EventDispatcher; resolves once connected.
 * `card.action.trigger` may be among the handlers (the SDK types do not list it).
 */
export async function startWsClient(
  simUrl: string,
  appId: string,
  appSecret: string,
  handlers: Record<string, (data: unknown) => unknown>,
  options: { pingTimeout?: number; onReconnected?: () => void } = {},
): Promise<WsClientHandle> {
  const dispatcher = new lark.EventDispatcher({ logger: quietLogger }).register(handlers);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const ws = new lark.WSClient({
    appId,
    appSecret,
    domain: simUrl,
    logger: quietLogger,
    loggerLevel: lark.LoggerLevel.error,
    onReady: () => ready(),
    ...(options.onReconnected ? { onReconnected: options.onReconnected } : {}),
    ...(options.pingTimeout ? { wsConfig: { pingTimeout: options.pingTimeout } } : {}),
  });
  await ws.start({ eventDispatcher: dispatcher });
  await isReady;
  return { ws, close: () => ws.close({ force: true }) };
}

/** An SDK Client for one app with its own token cache (the SDK's default cache is process-global). */
export function sdkClient(simUrl: string, appId: string, appSecret: string): lark.Client {
  return new lark.Client({ appId, appSecret, domain: simUrl, logger: quietLogger, cache: new lark.DefaultCache() });
}

/** The HTTP failure the SDK threw (it throws on non-2xx), or an error when the call succeeded. */
export async function httpFailure(
  call: Promise<unknown>,
): Promise<{ status: number; data: { code: number; msg: string }; headers: Record<string, string> }> {
  try {
    await call;
  } catch (error) {
    const response = (
      error as { response?: { status: number; data: { code: number; msg: string }; headers: Record<string, string> } }
    ).response;
    if (response) return { status: response.status, data: response.data, headers: response.headers };
    throw error;
  }
  throw new Error('expected the call to fail');
}
