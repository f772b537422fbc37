import { DataSource } from 'typeorm';

import { startHarness, Harness } from '../support/app-harness';
import { authorizeUrlOf, consent, dmAndWaitForCard, headerTemplate, messageById, openPage } from '../support/flow';

describe.each(['postgres', 'pglite'] as const)('card authorization, end to end (%s)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database });
  }, 30_000);
  afterAll(async () => h?.close());

  it('login DM → card → consent → /callback → encrypted token → authorized card → token over the API', async () => {
    const user = await h.control.createUser('Zhang San');
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    const authorizeUrl = authorizeUrlOf(card);
    expect(authorizeUrl.startsWith(`${h.sim.url}/open-apis/authen/v1/authorize?`)).toBe(true);
    const params = new URL(authorizeUrl).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('scope')?.split(' ')).toContain('offline_access');
    expect(Buffer.from(params.get('state') ?? '', 'base64url').length).toBeGreaterThanOrEqual(32);

    const location = await consent(h.control, user.openId, authorizeUrl);
    expect(location.startsWith(h.config.oauth.redirectUri ?? '')).toBe(true);
    const page = await openPage(location);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Zhang San');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const code = new URL(location).searchParams.get('code') as string;
    expect(page.html).not.toContain(code);
    expect(page.html).not.toContain(params.get('state') as string);

    const updated = await messageById(h.control, user.openId, card.messageId);
    expect(updated.updates.length).toBeGreaterThanOrEqual(1);
    expect(headerTemplate(updated)).toBe('green');
    expect(JSON.stringify(updated.content)).toContain('Zhang San');

    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(200);
    expect(token.body.scopes).toContain('offline_access');
    const userInfo = await fetch(`${h.sim.url}/open-apis/authen/v1/user_info`, {
      headers: { authorization: `Bearer ${token.body.accessToken}` },
    }).then((response) => response.json());
    expect(userInfo.code).toBe(0);
    expect(userInfo.data.open_id).toBe(user.openId);

    const session = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body[0];
    expect(session).toMatchObject({ status: 'completed', openId: user.openId, reason: null });

    // The raw column bytes, read through the service's own connection (Postgres or PGlite).
    const db = h.app.get(DataSource);
    const rows = await db.query('SELECT * FROM user_tokens WHERE open_id = $1', [user.openId]);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    const accessBytes = Buffer.from(token.body.accessToken as string, 'utf8');
    const stored = Buffer.from(row.access_token_enc);
    expect(stored.includes(accessBytes)).toBe(false);
    expect(stored.length).toBe(12 + 16 + accessBytes.length);
    expect(JSON.stringify(row)).not.toContain(token.body.accessToken);
    const sessions = await db.query('SELECT * FROM auth_sessions WHERE open_id = $1', [user.openId]);
    expect(JSON.stringify(sessions)).not.toContain(params.get('state') as string);

    expect(h.logs.join('')).not.toContain(token.body.accessToken);
    expect(h.logs.join('')).not.toContain(code);
    expect(h.logs.join('')).not.toContain(params.get('state') as string);
    const metrics = await fetch(`${h.baseUrl}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/^lark_service_auth_success_total 1$/m);
    expect(metrics).toMatch(/^lark_service_auth_session_total 1$/m);
  }, 30_000);
});
