import type { OAuthStore } from './oauth-store';
import { splitScopes } from './oauth-store';
import { isUserScope, SCOPE_PATTERN } from './scopes';
import type { Identity, SimApp, SimState } from './state';

export interface AuthorizeRequest {
  app: SimApp;
  redirectUri: string;
  scopes: string[];
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
}

export type AuthorizeValidation =
  { ok: true; request: AuthorizeRequest } | { ok: false; code: number; message: string };

/**
 * Scopes a user can be asked for in `app`: each must be enabled in the app's console configuration and be a user
 * scope, else Feishu shows error 20027 (and never redirects). Returns the error, or undefined when all are fine.
 */
export function scopeProblem(app: SimApp, scopes: string[]): string | undefined {
  const malformed = scopes.find((s) => !SCOPE_PATTERN.test(s));
  if (malformed !== undefined) return `scope ${malformed} is not a valid scope name`;
  if (scopes.length > 50) return 'at most 50 scopes can be requested at once';
  const missing = scopes.filter((s) => !isUserScope(app.enabledScopes, s));
  if (missing.length > 0) return `scope ${missing.join(' ')} is not enabled for app ${app.appId}`;
  return undefined;
}

/** The query parameters of an authorize URL as the consent page checks them. */
export function validateAuthorize(state: SimState, params: URLSearchParams): AuthorizeValidation {
  const fail = (code: number, message: string): AuthorizeValidation => ({ ok: false, code, message });
  const clientId = params.get('client_id') ?? params.get('app_id');
  if (!clientId) return fail(20001, 'client_id is missing');
  const app = state.app(clientId);
  if (!app) return fail(20048, `unknown client_id ${clientId}: the app does not exist`);
  if (params.get('response_type') !== 'code') return fail(20001, 'response_type must be "code"');
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return fail(20001, 'redirect_uri is missing');
  if (!app.redirectUris.has(redirectUri)) {
    return fail(
      20029,
      `redirect_uri ${redirectUri} is not registered for this app (Security settings → Redirect URLs)`,
    );
  }
  const scopes = splitScopes(params.get('scope') ?? '');
  const problem = scopeProblem(app, scopes);
  if (problem !== undefined) return fail(20027, problem);
  const challenge = params.get('code_challenge') ?? undefined;
  const method = params.get('code_challenge_method') ?? undefined;
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return fail(20001, `code_challenge_method must be S256 or plain, not ${method}`);
  }
  return {
    ok: true,
    request: {
      app,
      redirectUri,
      scopes,
      state: params.get('state') ?? undefined,
      codeChallenge: challenge || undefined,
      codeChallengeMethod: challenge ? (method ?? 'plain') : undefined,
    },
  };
}

/** Where the browser goes after the user decides: `redirect_uri?code&state` or `?error=access_denied&state`. */
export function decide(oauth: OAuthStore, request: AuthorizeRequest, identity: Identity, approve: boolean): string {
  const query: Array<[string, string]> = [];
  if (approve) {
    const code = oauth.issueCode({
      appId: request.app.appId,
      openId: identity.openId,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
    });
    query.push(['code', code]);
  } else {
    query.push(['error', 'access_denied']);
  }
  if (request.state !== undefined) query.push(['state', request.state]);
  return appendQuery(request.redirectUri, query);
}

function appendQuery(uri: string, query: Array<[string, string]>): string {
  const hashAt = uri.indexOf('#');
  const base = hashAt >= 0 ? uri.slice(0, hashAt) : uri;
  const fragment = hashAt >= 0 ? uri.slice(hashAt) : '';
  const encoded = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const joiner = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${joiner}${encoded}${fragment}`;
}
