import { createHash, randomBytes } from 'node:crypto';

import { sha256Hex } from '../common/sha256';

export interface StatePair {
  /** Goes into the authorize URL only; never stored or logged. */
  state: string;
  /** sha256 hex of `state`: what the database keeps and looks up by. */
  stateHash: string;
}

export interface PkcePair {
  verifier: string;
  /** base64url(sha256(verifier)), sent with code_challenge_method=S256. */
  challenge: string;
}

export interface AuthorizeUrlParams {
  accountsBaseUrl: string;
  appId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  codeChallenge: string;
}

export const PKCE_METHOD = 'S256';
const RANDOM_BYTES = 32;

export function hashState(state: string): string {
  return sha256Hex(state);
}

/**
 * The state of the authorize URL, derived from the PKCE verifier: SHA-256 over a fixed label and the verifier's 32
 * random bytes, so it is as unguessable as the verifier and reveals nothing about it (the label keeps it apart from
 * the code challenge, the verifier's plain SHA-256). Only the verifier is stored (encrypted), and a replica that
 * resumes a login another one died in the middle of rebuilds the very same URL, and so the very same card.
 */
export function stateFor(verifier: string): StatePair {
  const state = createHash('sha256').update(`lark-card-auth oauth state\0${verifier}`, 'utf8').digest('base64url');
  return { state, stateHash: hashState(state) };
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function createPkce(): PkcePair {
  // 32 bytes → 43 base64url chars, all within RFC 7636's unreserved set.
  const verifier = randomBytes(RANDOM_BYTES).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}

export function buildAuthorizeUrl(params: AuthorizeUrlParams): string {
  const query = new URLSearchParams({
    client_id: params.appId,
    response_type: 'code',
    redirect_uri: params.redirectUri,
    scope: params.scopes.join(' '),
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: PKCE_METHOD,
  });
  // URLSearchParams writes spaces as '+' (a literal '+' becomes %2B); Feishu documents %20.
  const search = query.toString().replace(/\+/g, '%20');
  return `${params.accountsBaseUrl.replace(/\/+$/, '')}/open-apis/authen/v1/authorize?${search}`;
}
