import { newAuthorizationCode, newDeviceCode, newUserCode, newUserToken, sha256Base64url } from './ids';
import type { Identity, SimApp, SimState } from './state';

// Token maps are keyed by a digest: the ~1 KB tokens themselves are not kept (benchmarks issue many).
const key = (token: string): string => sha256Base64url(token);

/** An OAuth error of the v2/v3 token endpoint: the code decides the HTTP status and the `error` string. */
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
    if ([20027, 20067, 20068].includes(this.code)) return 'invalid_scope';
    return 'invalid_grant';
  }

  toBody(): Record<string, unknown> {
    return { code: this.code, error: this.error, error_description: this.message };
  }
}

/** An RFC 8628 §3.5 answer to a device-code poll (HTTP 400, `{error, error_description}`). */
export class DeviceGrantError extends Error {
  constructor(
    readonly error: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant',
    description: string,
  ) {
    super(description);
  }

  toBody(): Record<string, unknown> {
    return { error: this.error, error_description: this.message };
  }
}

export interface AuthorizationCode {
  code: string;
  appId: string;
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
  appId: string;
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

export type DeviceStatus = 'pending' | 'approved' | 'denied' | 'redeemed';

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  appId: string;
  scopes: string[];
  /** Simulated clock, like authorization codes. */
  expiresAt: number;
  /** Seconds the client must wait between polls; grows by 5 with each slow_down. */
  interval: number;
  /** Real time (ms) of the previous poll: polling speed is measured on the wall clock. */
  lastPollAt?: number;
  status: DeviceStatus;
  /** The identity (in this app) of the person who approved. */
  openId?: string;
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
  app: SimApp;
  code?: string;
  redirectUri?: string;
  codeVerifier?: string;
  scope?: string;
  /** v3 rejects a code_verifier when the authorization used no code_challenge. */
  version: 'v2' | 'v3';
}

export type AccessTokenLookup =
  | { ok: true; identity: Identity; scopes: string[] }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired'; identity?: Identity };

const SLOW_DOWN_STEP_SECONDS = 5;

export class OAuthStore {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly grantsByOpenId = new Map<string, Grant[]>();
  private readonly devices = new Map<string, DeviceAuthorization>();
  private readonly devicesByUserCode = new Map<string, DeviceAuthorization>();
  private lastGrantId = 0;

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
    if (entry.appId !== req.app.appId) {
      throw new OAuthError(20024, 'the authorization code does not belong to this client_id');
    }
    if (entry.used) {
      req.app.stats.codeReuse += 1;
      throw new OAuthError(20065, 'authorization code has already been used');
    }
    if (this.state.now() >= entry.expiresAt) throw new OAuthError(20004, 'authorization code has expired');
    if (req.redirectUri !== undefined && req.redirectUri !== entry.redirectUri) {
      throw new OAuthError(20071, 'redirect_uri does not match the one used for authorization');
    }
    this.verifyPkce(entry, req);
    const scopes = narrowScopes(entry.scopes, req.scope);
    entry.used = true;
    return this.issueTokens(this.newGrant(entry.appId, entry.openId, entry.scopes), scopes);
  }

  refresh(app: SimApp, refreshToken: string | undefined, scope: string | undefined): TokenSet {
    if (!refreshToken) throw new OAuthError(20001, 'missing required parameter: refresh_token');
    const entry = this.refreshTokens.get(key(refreshToken));
    if (!entry) throw new OAuthError(20026, 'refresh token is invalid');
    if (entry.grant.appId !== app.appId) {
      throw new OAuthError(20024, 'the refresh token does not belong to this client_id');
    }
    if (entry.used) app.stats.refreshTokenReuse += 1;
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
    const identity = entry ? this.state.identity(entry.grant.openId) : undefined;
    if (!entry || !identity) return { ok: false, reason: 'unknown' };
    if (entry.grant.revoked) return { ok: false, reason: 'revoked', identity };
    if (this.state.now() >= entry.expiresAt) return { ok: false, reason: 'expired', identity };
    return { ok: true, identity, scopes: entry.scopes };
  }

  /** The person revokes the app the open_id belongs to: every grant ends, its tokens stop working. */
  revoke(openId: string): number {
    let count = 0;
    for (const grant of this.grantsByOpenId.get(openId) ?? []) {
      if (!grant.revoked) {
        grant.revoked = true;
        count += 1;
      }
    }
    return count;
  }

  // ---- Device Authorization Grant (RFC 8628) ----

  startDeviceAuthorization(app: SimApp, scopes: string[]): DeviceAuthorization {
    const { config } = this.state;
    if (this.devices.size > 0 && this.devices.size % 1024 === 0) this.sweepDevices();
    let userCode = newUserCode();
    while (this.devicesByUserCode.has(userCode)) userCode = newUserCode();
    const device: DeviceAuthorization = {
      deviceCode: newDeviceCode(),
      userCode,
      appId: app.appId,
      scopes,
      expiresAt: this.state.now() + config.deviceCodeTtlSeconds * 1000,
      interval: config.deviceIntervalSeconds,
      status: 'pending',
    };
    this.devices.set(device.deviceCode, device);
    this.devicesByUserCode.set(userCode, device);
    return device;
  }

  /** A device authorization the verification page may still decide on (pending, not expired). */
  findPendingByUserCode(userCode: string | undefined): DeviceAuthorization | undefined {
    const device = userCode ? this.devicesByUserCode.get(normalizeUserCode(userCode)) : undefined;
    if (!device || device.status !== 'pending' || this.state.now() >= device.expiresAt) return undefined;
    return device;
  }

  decideDevice(device: DeviceAuthorization, identity: Identity, approve: boolean): void {
    device.status = approve ? 'approved' : 'denied';
    device.openId = identity.openId;
  }

  /** One poll of the token endpoint with a device code; throws DeviceGrantError until tokens can be issued. */
  pollDevice(app: SimApp, deviceCode: string | undefined): TokenSet {
    if (!deviceCode) throw new OAuthError(20001, 'missing required parameter: device_code');
    const device = this.devices.get(deviceCode);
    if (!device || device.appId !== app.appId) throw new DeviceGrantError('invalid_grant', 'device_code is invalid');
    if (device.status === 'redeemed') {
      throw new DeviceGrantError('invalid_grant', 'device_code has already been used');
    }
    const now = Date.now();
    const previous = device.lastPollAt;
    device.lastPollAt = now;
    if (device.status === 'denied') throw new DeviceGrantError('access_denied', 'the user denied the authorization');
    if (this.state.now() >= device.expiresAt) throw new DeviceGrantError('expired_token', 'device_code has expired');
    if (device.status === 'pending') {
      if (previous !== undefined && now - previous < device.interval * 1000) {
        device.interval += SLOW_DOWN_STEP_SECONDS;
        app.stats.deviceSlowDowns += 1;
        throw new DeviceGrantError('slow_down', `polling too fast: wait at least ${device.interval} s between polls`);
      }
      throw new DeviceGrantError('authorization_pending', 'the user has not yet approved the authorization');
    }
    device.status = 'redeemed';
    this.devicesByUserCode.delete(device.userCode);
    return this.issueTokens(this.newGrant(app.appId, device.openId ?? '', device.scopes), device.scopes);
  }

  /**
   * A grant issued without the consent page (control API): for seeding many authorized users in tests and
   * benchmarks. Not counted as a token request.
   */
  grantDirectly(identity: Identity, scopes: string[]): TokenSet {
    return this.issueTokens(this.newGrant(identity.app.appId, identity.openId, scopes), scopes);
  }

  private sweepDevices(): void {
    const now = this.state.now();
    for (const [code, device] of this.devices) {
      if (now >= device.expiresAt + 3600_000) {
        this.devices.delete(code);
        if (this.devicesByUserCode.get(device.userCode) === device) this.devicesByUserCode.delete(device.userCode);
      }
    }
  }

  private newGrant(appId: string, openId: string, scopes: string[]): Grant {
    const grant: Grant = { id: ++this.lastGrantId, appId, openId, scopes, grantedAt: this.state.now(), revoked: false };
    let list = this.grantsByOpenId.get(openId);
    if (!list) {
      list = [];
      this.grantsByOpenId.set(openId, list);
    }
    list.push(grant);
    return grant;
  }

  private issueTokens(grant: Grant, scopes: string[]): TokenSet {
    const { config } = this.state;
    const now = this.state.now();
    const accessToken = newUserToken('access', grant.appId);
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
      const refreshToken = newUserToken('refresh', grant.appId);
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

/** User codes are matched without the dash and case-insensitively, as people type them. */
export function normalizeUserCode(code: string): string {
  const bare = code.toUpperCase().replace(/[^A-Z]/g, '');
  return bare.length === 8 ? `${bare.slice(0, 4)}-${bare.slice(4)}` : code;
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
