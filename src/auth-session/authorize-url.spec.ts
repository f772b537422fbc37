import { createHash } from 'node:crypto';

import { buildAuthorizeUrl, createPkce, hashState, pkceChallenge, stateFor } from './authorize-url';

describe('stateFor / hashState', () => {
  it('derives 32 bytes as base64url from the verifier, with their sha256 hex hash', () => {
    const { verifier, challenge } = createPkce();
    const { state, stateHash } = stateFor(verifier);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(state, 'base64url')).toHaveLength(32);
    expect(stateHash).toBe(createHash('sha256').update(state).digest('hex'));
    expect(stateHash).toMatch(/^[0-9a-f]{64}$/);
    // Neither the verifier nor the code challenge that goes into the same URL.
    expect(state).not.toBe(verifier);
    expect(state).not.toBe(challenge);
  });

  it('gives the same state for the same verifier, and a new one for every new verifier', () => {
    const verifier = createPkce().verifier;
    expect(stateFor(verifier)).toEqual(stateFor(verifier));
    const states = new Set(Array.from({ length: 200 }, () => stateFor(createPkce().verifier).state));
    expect(states.size).toBe(200);
  });

  it('hashes deterministically', () => {
    expect(hashState('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashState('abc')).toBe(hashState('abc'));
    expect(hashState('abd')).not.toBe(hashState('abc'));
  });
});

describe('PKCE', () => {
  it('matches the RFC 7636 appendix B example', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('creates a 43-128 char unreserved verifier and its S256 challenge', () => {
    for (let i = 0; i < 50; i++) {
      const { verifier, challenge } = createPkce();
      expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(Buffer.from(verifier, 'base64url').length).toBeGreaterThanOrEqual(32);
      expect(challenge).toBe(pkceChallenge(verifier));
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('creates a different verifier every time', () => {
    expect(createPkce().verifier).not.toBe(createPkce().verifier);
  });
});

describe('buildAuthorizeUrl', () => {
  const params = {
    accountsBaseUrl: 'https://accounts.feishu.cn',
    appId: 'cli_0123456789abcdef',
    redirectUri: 'http://localhost:8000/callback?x=1&y=2',
    scopes: ['contact:user.base:readonly', 'offline_access'],
    state: 'st+ate/with=odd&chars',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  };

  it('targets the authorize endpoint with every parameter', () => {
    const url = new URL(buildAuthorizeUrl(params));
    expect(`${url.origin}${url.pathname}`).toBe('https://accounts.feishu.cn/open-apis/authen/v1/authorize');
    expect([...url.searchParams.keys()]).toEqual([
      'client_id',
      'response_type',
      'redirect_uri',
      'scope',
      'state',
      'code_challenge',
      'code_challenge_method',
    ]);
    expect(url.searchParams.get('client_id')).toBe('cli_0123456789abcdef');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:8000/callback?x=1&y=2');
    expect(url.searchParams.get('scope')).toBe('contact:user.base:readonly offline_access');
    expect(url.searchParams.get('state')).toBe('st+ate/with=odd&chars');
    expect(url.searchParams.get('code_challenge')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('joins scopes with %20 and percent-encodes the redirect URI', () => {
    const raw = buildAuthorizeUrl(params);
    expect(raw).toContain('scope=contact%3Auser.base%3Areadonly%20offline_access');
    expect(raw).toContain('redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fcallback%3Fx%3D1%26y%3D2');
    expect(raw).toContain('state=st%2Bate%2Fwith%3Dodd%26chars');
    expect(raw).not.toContain('+');
  });

  it('accepts a base URL with a trailing slash or a path prefix', () => {
    expect(buildAuthorizeUrl({ ...params, accountsBaseUrl: 'http://127.0.0.1:9000/' })).toMatch(
      /^http:\/\/127\.0\.0\.1:9000\/open-apis\/authen\/v1\/authorize\?client_id=/,
    );
    expect(buildAuthorizeUrl({ ...params, accountsBaseUrl: 'https://proxy.example/feishu' })).toMatch(
      /^https:\/\/proxy\.example\/feishu\/open-apis\/authen\/v1\/authorize\?/,
    );
  });
});
