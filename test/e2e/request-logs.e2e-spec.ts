import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { TokenCipher } from '../../src/token-store/token-cipher';
import { startHarness, Harness, TEST_API_TOKEN } from '../support/app-harness';
import { authorizeUrlOf, consent, dmAndWaitForCard, openPage, startSession } from '../support/flow';

interface LogLine {
  level: string;
  msg: string;
  reqId?: string;
  method?: string;
  route?: string;
  status?: number;
  durationMs?: number;
}

const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;

describe('request logs and request ids', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', env: { METRICS_TOKEN, LOG_LEVEL: 'debug' } });
  }, 30_000);
  afterAll(async () => h?.close());

  function linesSince(start: number): LogLine[] {
    return h.logs.slice(start).map((line) => JSON.parse(line) as LogLine);
  }
  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(h.baseUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  it('logs one line per request with method, route pattern, status, duration and the id echoed to the caller', async () => {
    const start = h.logs.length;
    const response = await fetch(`${h.baseUrl}/api/v1/users/ou_someone_0123456789/token`, {
      headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'x-request-id': 'caller-id-42' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('caller-id-42');
    const requests = linesSince(start).filter((line) => line.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        level: 'info',
        reqId: 'caller-id-42',
        method: 'GET',
        route: '/api/v1/users/:openId/token',
        status: 404,
      }),
    ]);
    expect(requests[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(requests)).not.toContain('ou_someone_0123456789');
  });

  it('generates an id when the caller sends none or an invalid one, and answers early refusals with it too', async () => {
    const start = h.logs.length;
    const invalid = await fetch(`${h.baseUrl}/api/v1/auth-sessions?openId=ou_x`, {
      headers: { authorization: 'Bearer wrong-token-0123456789', 'x-request-id': 'has spaces "and quotes"' },
    });
    expect(invalid.status).toBe(401);
    const generated = invalid.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const none = await fetch(`${h.baseUrl}/healthz`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers.get('x-request-id')).not.toBe(generated);
    const lines = linesSince(start).filter((line) => line.msg === 'request');
    expect(lines).toEqual([
      expect.objectContaining({ reqId: generated, route: '/api/v1/auth-sessions', status: 401, level: 'info' }),
      // Probes are frequent: their lines are debug.
      expect.objectContaining({ reqId: none.headers.get('x-request-id'), route: '/healthz', level: 'debug' }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('has spaces');
  });

  it('puts the request id on every line written while serving the request, whoever writes it', async () => {
    const blocked = await h.control.createUser('Blocked For Logs');
    await h.control.call('POST', `/_sim/users/${blocked.openId}/block`);
    const start = h.logs.length;
    const [first, second] = await Promise.all([
      post('/api/v1/auth-sessions', { openId: blocked.openId }, { 'x-request-id': 'req-one' }),
      post('/api/v1/auth-sessions', { openId: 'ou_nobody_feishu_knows_0123456789' }, { 'x-request-id': 'req-two' }),
    ]);
    expect([first.status, second.status]).toEqual([422, 422]);
    const lines = linesSince(start);
    for (const id of ['req-one', 'req-two']) {
      const own = lines.filter((line) => line.reqId === id);
      expect(own.map((line) => line.msg)).toEqual(
        expect.arrayContaining([expect.stringContaining('sending the card'), 'request']),
      );
    }
    expect(lines.filter((line) => line.msg.includes('sending the card') && !line.reqId)).toEqual([]);
  });

  it('writes none of the run’s secrets anywhere, at debug level, through the happy path and the failure paths', async () => {
    const start = h.logs.length;
    const secrets: string[] = [h.env.LARK_APP_SECRET!, TEST_API_TOKEN, METRICS_TOKEN];
    secrets.push(h.env.TOKEN_ENCRYPTION_KEYS!.split(':')[1]!);
    const db = h.app.get(DataSource);
    const cipher = h.app.get(TokenCipher);
    const verifierOf = async (openId: string): Promise<string> => {
      const [row] = await db.query(
        `SELECT app_id, pkce_verifier_enc, key_id FROM auth_sessions WHERE open_id = $1 AND status = 'pending'`,
        [openId],
      );
      return cipher.decrypt(row.pkce_verifier_enc, row.key_id, `${row.app_id}:${openId}`);
    };
    const remember = (url: string) => {
      const params = new URL(url).searchParams;
      for (const name of ['code', 'state']) if (params.get(name)) secrets.push(params.get(name)!);
    };

    // Happy path: card, consent, callback, token over the API, a forced refresh, the callback replayed, logout.
    const happy = await startSession(h, 'Secret Keeper');
    secrets.push(await verifierOf(happy.user.openId));
    const location = await consent(h.control, happy.user.openId, happy.authorizeUrl);
    remember(location);
    expect((await openPage(location)).status).toBe(200);
    expect((await openPage(location)).status).toBe(409);
    const token = await h.api('GET', `/api/v1/users/${happy.user.openId}/token`);
    secrets.push(token.body.accessToken);
    const [stored] = await db.query('SELECT app_id, refresh_token_enc, key_id FROM user_tokens WHERE open_id = $1', [
      happy.user.openId,
    ]);
    secrets.push(cipher.decrypt(stored.refresh_token_enc, stored.key_id, `${stored.app_id}:${happy.user.openId}`));
    expect((await h.api('POST', `/api/v1/users/${happy.user.openId}/token/refresh`)).status).toBe(200);
    secrets.push((await h.api('GET', `/api/v1/users/${happy.user.openId}/token`)).body.accessToken);
    expect((await h.api('DELETE', `/api/v1/users/${happy.user.openId}/token`)).status).toBe(200);

    // Denied consent, a forged state, a failing code exchange, another user approving the link.
    const denied = await startSession(h, 'Secret Denier');
    const deniedAt = await consent(h.control, denied.user.openId, denied.authorizeUrl, 'deny');
    remember(deniedAt);
    expect((await openPage(deniedAt)).status).toBe(200);
    const forged = `${h.config.oauth.redirectUri}?code=forged-code-${randomBytes(8).toString('hex')}&state=${randomBytes(32).toString('base64url')}`;
    remember(forged);
    expect((await openPage(forged)).status).toBe(400);
    const failing = await startSession(h, 'Secret Exchange Fails');
    secrets.push(await verifierOf(failing.user.openId));
    const failingAt = await consent(h.control, failing.user.openId, failing.authorizeUrl);
    remember(failingAt);
    await h.control.faultRate('token', 'code20050', 1);
    expect((await openPage(failingAt)).status).toBe(502);
    await h.control.clearFaults();
    const victim = await startSession(h, 'Secret Victim');
    const intruder = await h.control.createUser('Secret Intruder');
    const stolenAt = await consent(h.control, intruder.openId, victim.authorizeUrl);
    remember(stolenAt);
    expect((await openPage(stolenAt)).status).toBe(403);

    // Wrong credentials on the API and /metrics, and a card Feishu fails to deliver.
    const wrongBearer = `wrong-${randomBytes(12).toString('hex')}`;
    secrets.push(wrongBearer);
    expect((await h.api('GET', '/api/v1/auth-sessions?openId=ou_x', undefined, wrongBearer)).status).toBe(401);
    const scrape = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${wrongBearer}` } });
    expect(scrape.status).toBe(401);
    const metrics = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.status).toBe(200);
    await h.control.fault('message_create', 'http500', 3);
    const unsent = await h.control.createUser('Secret Unsent');
    expect((await h.api('POST', '/api/v1/auth-sessions', { openId: unsent.openId })).status).toBe(502);

    const output = h.logs.slice(start).join('\n');
    expect(output).toContain('"level":"debug"');
    expect(output.match(/"msg":"request"/g)?.length).toBeGreaterThan(10);
    expect(secrets.filter((secret) => secret.length < 8)).toEqual([]);
    const leaked = secrets.filter((secret) => output.includes(secret) || output.includes(encodeURIComponent(secret)));
    expect(leaked).toEqual([]);
  }, 60_000);
});

describe('request logs of the device flow', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      database: 'postgres',
      env: { OAUTH_REDIRECT_URI: '', JOBS_ENABLED: 'true', LOG_LEVEL: 'debug' },
    });
    await h.control.config({ deviceIntervalSeconds: 1 });
  }, 30_000);
  afterAll(async () => h?.close());

  it('writes no device code, user code or token anywhere, approved, denied or taken by someone else', async () => {
    const start = h.logs.length;
    const secrets: string[] = [h.env.LARK_APP_SECRET!, TEST_API_TOKEN, h.env.TOKEN_ENCRYPTION_KEYS!.split(':')[1]!];
    const db = h.app.get(DataSource);
    const cipher = h.app.get(TokenCipher);
    const settled = (id: string) => h.api('GET', `/api/v1/auth-sessions/${id}?waitSeconds=20`);
    const login = async (name: string) => {
      const user = await h.control.createUser(name);
      const card = await dmAndWaitForCard(h.control, user.openId, 'login');
      const [row] = await db.query(
        `SELECT id, app_id, device_code_enc, key_id, user_code FROM auth_sessions WHERE open_id = $1`,
        [user.openId],
      );
      secrets.push(cipher.decrypt(row.device_code_enc, row.key_id, `${row.app_id}:${user.openId}`), row.user_code);
      return { user, id: row.id as string, url: authorizeUrlOf(card) };
    };

    const happy = await login('Device Secret Keeper');
    await h.control.authorizeDevice(happy.user.openId, 'approve', happy.url);
    expect((await settled(happy.id)).body.status).toBe('completed');
    secrets.push((await h.api('GET', `/api/v1/users/${happy.user.openId}/token`)).body.accessToken);
    const [stored] = await db.query('SELECT app_id, refresh_token_enc, key_id FROM user_tokens WHERE open_id = $1', [
      happy.user.openId,
    ]);
    secrets.push(cipher.decrypt(stored.refresh_token_enc, stored.key_id, `${stored.app_id}:${happy.user.openId}`));

    const denied = await login('Device Secret Denier');
    await h.control.authorizeDevice(denied.user.openId, 'deny', denied.url);
    expect((await settled(denied.id)).body.status).toBe('rejected');

    const victim = await login('Device Secret Victim');
    const intruder = await h.control.createUser('Device Secret Intruder');
    await h.control.authorizeDevice(intruder.openId, 'approve', victim.url);
    expect((await settled(victim.id)).body).toMatchObject({ status: 'failed', reason: 'identity_mismatch' });

    const output = h.logs.slice(start).join('\n');
    expect(h.config.log.level).toBe('debug');
    expect(output).toContain('token belongs to');
    expect(secrets.filter((secret) => secret.length < 8)).toEqual([]);
    const leaked = secrets.filter((secret) => output.includes(secret) || output.includes(encodeURIComponent(secret)));
    expect(leaked).toEqual([]);
  }, 60_000);
});
