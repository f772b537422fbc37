import { createHash, randomBytes } from 'node:crypto';

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
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
