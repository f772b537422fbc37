import { newAuthorizationCode, newUserToken, sha256Base64url } from './ids';

// Token maps are keyed by a digest: the ~1 KB tokens themselves are not kept (benchmarks issue many).
const key = (token: string): string => sha256Base64url(token);
import type { SimState, SimUser } from './state';

/** An OAuth error of feishu-api.md §1.2: the code decides the HTTP status and the `error` string. */
export class OAuthError extends Error {
  constructor(
    readonly code: number,
    description: string,
  ) {
    super(description);
  }

  get status(): number {
    if (this.code === 20050) return 500;
    if (this.code === 20072) return 503;
    return 400;
  }

  get error(): string {
    if ([20001, 20063, 20070].includes(this.code)) return 'invalid_request';
    if ([20002, 20048].includes(this.code)) return 'invalid_client';
    if (this.code === 20036) return 'unsupported_grant_type';
    if ([20067, 20068].includes(this.code)) return 'invalid_scope';
    return 'invalid_grant';
  }

  toBody(): Record<string, unknown> {
    return { code: this.code, error: this.error, error_description: this.message };
  }
}

export interface AuthorizationCode {
  code: string;
  openId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  expiresAt: number;
  used: boolean;
}

interface Grant {
  id: number;
  openId: string;
  scopes: string[];
  grantedAt: number;
  revoked: boolean;
}

interface AccessToken {
  grant: Grant;
  scopes: string[];
  expiresAt: number;
}

interface RefreshToken {
  grant: Grant;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

export interface TokenSet {
  code: 0;
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  scope: string;
  token_type: 'Bearer';
}

export interface CodeExchange {
  code?: string;
  redirectUri?: string;
  codeVerifier?: string;
  scope?: string;
  /** v3 rejects a code_verifier when the authorization used no code_challenge. */
  version: 'v2' | 'v3';
}

export type AccessTokenLookup =
  { ok: true; user: SimUser; scopes: string[] } | { ok: false; reason: 'invalid' | 'expired' };

export class OAuthStore {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly grants: Grant[] = [];

  constructor(private readonly state: SimState) {}

  issueCode(input: Omit<AuthorizationCode, 'code' | 'expiresAt' | 'used'>): string {
    const code = newAuthorizationCode();
    const expiresAt = this.state.now() + this.state.config.codeTtlSeconds * 1000;
    this.codes.set(code, { ...input, code, expiresAt, used: false });
    return code;
  }

  exchangeCode(req: CodeExchange): TokenSet {
    if (!req.code) throw new OAuthError(20001, 'missing required parameter: code');
    const entry = this.codes.get(req.code);
    if (!entry) throw new OAuthError(20003, 'authorization code not found');
    if (entry.used) {
      this.state.stats.codeReuse += 1;
      throw new OAuthError(20065, 'authorization code has already been used');
    }
    if (this.state.now() >= entry.expiresAt) throw new OAuthError(20004, 'authorization code has expired');
    if (req.redirectUri !== undefined && req.redirectUri !== entry.redirectUri) {
      throw new OAuthError(20071, 'redirect_uri does not match the one used for authorization');
    }
    this.verifyPkce(entry, req);
    const scopes = narrowScopes(entry.scopes, req.scope);
    entry.used = true;
    const grant: Grant = {
      id: this.grants.length + 1,
      openId: entry.openId,
      scopes: entry.scopes,
      grantedAt: this.state.now(),
      revoked: false,
    };
    this.grants.push(grant);
    return this.issueTokens(grant, scopes);
  }

  refresh(refreshToken: string | undefined, scope: string | undefined): TokenSet {
    if (!refreshToken) throw new OAuthError(20001, 'missing required parameter: refresh_token');
    const entry = this.refreshTokens.get(key(refreshToken));
    if (!entry) throw new OAuthError(20026, 'refresh token is invalid');
    if (entry.used) this.state.stats.refreshTokenReuse += 1;
    if (entry.grant.revoked) throw new OAuthError(20064, 'refresh token has been revoked');
    if (entry.used) throw new OAuthError(20073, 'refresh token has already been used');
    const now = this.state.now();
    if (now >= this.grantEnd(entry.grant)) {
      throw new OAuthError(20037, 'refresh token has expired: the authorization is older than 365 days');
    }
    if (now >= entry.expiresAt) throw new OAuthError(20037, 'refresh token has expired');
    const scopes = narrowScopes(entry.scopes, scope);
    entry.used = true;
    return this.issueTokens(entry.grant, scopes);
  }

  lookupAccessToken(token: string | undefined): AccessTokenLookup {
    const entry = token ? this.accessTokens.get(key(token)) : undefined;
    const user = entry ? this.state.users.get(entry.grant.openId) : undefined;
    if (!entry || !user || entry.grant.revoked) return { ok: false, reason: 'invalid' };
    if (this.state.now() >= entry.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, user, scopes: entry.scopes };
  }

  /** The user revokes the app: every grant ends, its tokens stop working. */
  revoke(openId: string): number {
    let count = 0;
    for (const grant of this.grants) {
      if (grant.openId === openId && !grant.revoked) {
        grant.revoked = true;
        count += 1;
      }
    }
    return count;
  }

  private issueTokens(grant: Grant, scopes: string[]): TokenSet {
    const { config, app } = this.state;
    const now = this.state.now();
    const accessToken = newUserToken('access', app.appId);
    this.accessTokens.set(key(accessToken), { grant, scopes, expiresAt: now + config.accessTokenTtlSeconds * 1000 });
    const result: TokenSet = {
      code: 0,
      access_token: accessToken,
      expires_in: config.accessTokenTtlSeconds,
      scope: scopes.join(' '),
      token_type: 'Bearer',
    };
    if (scopes.includes('offline_access')) {
      const lifetime = Math.min(config.refreshTokenTtlSeconds, Math.floor((this.grantEnd(grant) - now) / 1000));
      const refreshToken = newUserToken('refresh', app.appId);
      this.refreshTokens.set(key(refreshToken), { grant, scopes, expiresAt: now + lifetime * 1000, used: false });
      result.refresh_token = refreshToken;
      result.refresh_token_expires_in = lifetime;
    }
    return result;
  }

  private grantEnd(grant: Grant): number {
    return grant.grantedAt + this.state.config.grantMaxAgeSeconds * 1000;
  }

  private verifyPkce(entry: AuthorizationCode, req: CodeExchange): void {
    if (!entry.codeChallenge) {
      if (req.codeVerifier !== undefined && req.version === 'v3') {
        throw new OAuthError(20049, 'code_verifier was sent but the authorization used no code_challenge');
      }
      return;
    }
    const verifier = req.codeVerifier;
    if (!verifier) throw new OAuthError(20049, 'PKCE verification failed: code_verifier is required');
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
      throw new OAuthError(20049, 'PKCE verification failed: code_verifier must be 43-128 characters [A-Za-z0-9-._~]');
    }
    const expected = entry.codeChallengeMethod === 'S256' ? sha256Base64url(verifier) : verifier;
    if (expected !== entry.codeChallenge) throw new OAuthError(20049, 'PKCE verification failed');
  }
}

export function splitScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s.length > 0);
}

function narrowScopes(granted: string[], requested: string | undefined): string[] {
  if (requested === undefined || requested.trim() === '') return granted;
  const wanted = splitScopes(requested);
  if (new Set(wanted).size !== wanted.length) throw new OAuthError(20067, 'scope contains duplicate entries');
  const missing = wanted.filter((s) => !granted.includes(s));
  if (missing.length > 0) {
    throw new OAuthError(20068, `scope contains scopes the user did not grant: ${missing.join(' ')}`);
  }
  return wanted;
}
