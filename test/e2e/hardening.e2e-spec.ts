import { connect } from 'node:net';

import { DataSource } from 'typeorm';

import { SessionExpiryJob } from '../../src/auth-session/session-expiry.job';
import { waitFor } from '../simulator/test-kit';
import { startHarness, Harness, TEST_API_TOKEN } from '../support/app-harness';
import { FakeClock } from '../support/fake-clock';
import {
  authorizeUrlOf,
  consent,
  dmAndWaitForCard,
  headerTitle,
  messageById,
  metricValue,
  onlySession,
  openPage,
  scrapeMetrics,
  startSession,
} from '../support/flow';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy';
import { testDatabaseUrl } from '../support/test-database';

jest.setTimeout(90_000);

type Card = Awaited<ReturnType<Harness['control']['messages']>>[number];

function offersAuthorize(card: Card): boolean {
  try {
    authorizeUrlOf(card);
    return JSON.stringify(card.content).includes('"callback"');
  } catch {
    return false;
  }
}

/**
 * A raw HTTP exchange, to send what fetch refuses to (unfinished bodies, huge headers, bad URLs): resolves with the
 * first complete response, or with what came when the server closed the connection.
 */
function rawRequest(port: number, text: string, waitMs = 20_000): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let response = '';
    const done = () => resolve({ response, closedAfterMs: Date.now() - started });
    socket.on('data', (chunk) => {
      response += chunk.toString('utf8');
      const [head, body = ''] = response.split('\r\n\r\n');
      const length = /content-length:\s*(\d+)/i.exec(head ?? '')?.[1];
      if (length !== undefined && Buffer.byteLength(body) >= Number(length)) {
        done();
        socket.destroy();
      }
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${waitMs} ms; got: ${response.slice(0, 200)}`));
    }, waitMs).unref();
  });
}

async function authorize(h: Harness, name: string) {
  const started = await startSession(h, name);
  expect((await openPage(await consent(h.control, started.user.openId, started.authorizeUrl))).status).toBe(200);
  return started;
}

describe('hardening: what an outside attacker found (Postgres)', () => {
  let h: Harness;
  let port: number;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    port = Number(new URL(h.baseUrl).port);
  }, 30_000);
  afterAll(async () => h?.close());

  it('a burst of requests for one user leaves exactly one pending session and one live card', async () => {
    const user = await h.control.createUser('Bursty');
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.api('POST', '/api/v1/auth-sessions', { openId: user.openId, locale: 'en_us' }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array.from({ length: 20 }, () => 201));
    await waitFor(
      async () => (await h.control.messages(user.openId)).filter(offersAuthorize).length === 1,
      20_000,
      'all but one card to be superseded',
    );
    const sessions = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body as Array<{
      id: string;
      status: string;
    }>;
    expect(sessions.filter((session) => session.status === 'pending')).toHaveLength(1);
    expect(sessions.filter((session) => session.status === 'superseded')).toHaveLength(19);
    const cards = await h.control.messages(user.openId);
    expect(cards).toHaveLength(20);
    expect(cards.filter((card) => headerTitle(card) === 'This request was replaced')).toHaveLength(19);

    // Three quick DMs behave the same.
    const dmUser = await h.control.createUser('Quick Fingers');
    await Promise.all(['login', 'login', 'login'].map((text) => h.control.userMessage(dmUser.openId, text)));
    await waitFor(
      async () => {
        const all = await h.control.messages(dmUser.openId);
        return all.length === 3 && all.filter(offersAuthorize).length === 1;
      },
      20_000,
      'one live card after three logins',
    );
  });

  it('checks the API token before reading a body, and cuts off a body that never ends', async () => {
    const unauthenticated = await rawRequest(
      port,
      'POST /api/v1/auth-sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"op',
    );
    expect(unauthenticated.response).toMatch(/^HTTP\/1\.1 401/);
    expect(unauthenticated.response).toContain('"code":"UNAUTHORIZED"');
    const slow = await rawRequest(
      port,
      `POST /api/v1/auth-sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"openId":',
      30_000,
    );
    expect(slow.closedAfterMs).toBeLessThan(20_000);
    expect(slow.response).toMatch(/^HTTP\/1\.1 408/);
    expect(slow.response).toContain('"code":"REQUEST_TIMEOUT"');
  });

  it('ending an older completed session leaves the token of a newer one alone', async () => {
    const { user } = await authorize(h, 'Twice Authorized');
    const [first] = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body as Array<{ id: string }>;
    const again = await dmAndWaitForCard(h.control, user.openId, 'login');
    expect((await openPage(await consent(h.control, user.openId, authorizeUrlOf(again)))).status).toBe(200);
    const token = (await h.api('GET', `/api/v1/users/${user.openId}/token`)).body.accessToken;

    expect((await h.api('DELETE', `/api/v1/auth-sessions/${first!.id}`)).body.status).toBe('invalidated');
    const after = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(after.status).toBe(200);
    expect(after.body.accessToken).toBe(token);
  });

  it('a card to a user Feishu cannot reach is the caller’s problem: 422 USER_UNREACHABLE, a warning, reason user_unreachable', async () => {
    const blocked = await h.control.createUser('Blocked The Bot');
    await h.control.call('POST', `/_sim/users/${blocked.openId}/block`);
    const before = await scrapeMetrics(h.baseUrl);
    const logsBefore = h.logs.length;
    for (const openId of [blocked.openId, 'ou_nobody_feishu_knows_0123456789']) {
      const reply = await h.api('POST', '/api/v1/auth-sessions', { openId });
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe('USER_UNREACHABLE');
    }
    expect(await onlySession(h, blocked.openId)).toMatchObject({ status: 'failed', reason: 'user_unreachable' });
    const lines = h.logs.slice(logsBefore).map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(lines.filter((line) => line.msg.includes('sending the card')).map((line) => line.level)).toEqual([
      'warn',
      'warn',
    ]);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    const after = await scrapeMetrics(h.baseUrl);
    expect(metricValue(after, 'lark_service_auth_failure_total', { reason: 'user_unreachable' })).toBe(
      metricValue(before, 'lark_service_auth_failure_total', { reason: 'user_unreachable' }) + 2,
    );
  });

  it('HEAD /callback (a link preview) changes nothing; the real click still works', async () => {
    const { user, authorizeUrl } = await startSession(h, 'Previewed');
    const location = await consent(h.control, user.openId, authorizeUrl);
    const exchanges = (await h.control.stats()).tokenRequests.authorization_code;
    const head = await fetch(location, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await h.control.stats()).tokenRequests.authorization_code).toBe(exchanges);
    expect((await fetch(location, { method: 'POST' })).status).toBe(404);
    expect((await openPage(location)).status).toBe(200);
  });

  it('errors never echo the URL, keep one shape, and say nosniff', async () => {
    const secretish = 'code=abcdefSECRET&state=stateSECRET';
    const missing = await fetch(`${h.baseUrl}/no-such-route?${secretish}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await missing.text();
    expect(body).not.toContain('SECRET');
    expect(JSON.parse(body)).toEqual({ error: { code: 'NOT_FOUND', message: 'There is no such route.' } });

    const huge = await rawRequest(
      port,
      `GET /healthz?${secretish} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.response).toMatch(/^HTTP\/1\.1 431/);
    expect(huge.response).toContain('"code":"HEADERS_TOO_LARGE"');
    expect(huge.response).not.toContain('SECRET');

    const longParam = await fetch(`${h.baseUrl}/api/v1/auth-sessions/${'a'.repeat(200)}?${secretish}`, {
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect([400, 414]).toContain(longParam.status);
    const longBody = await longParam.text();
    expect(longBody).not.toContain('SECRET');
    expect(Object.keys(JSON.parse(longBody))).toEqual(['error']);

    const badUrl = await rawRequest(
      port,
      `GET /api/v1/auth-sessions/%E0%A4%A?${secretish} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(badUrl.response).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(badUrl.response).not.toContain('SECRET');
    expect(badUrl.response).toContain('"error":{"code"');

    const json = await h.api('GET', '/api/v1/auth-sessions/not-a-uuid');
    expect(json.status).toBe(400);
    const api = await fetch(`${h.baseUrl}/api/v1/auth-sessions/not-a-uuid`, {
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('callback edge cases: only access_denied is a refusal; code with error, or repeated parameters, are refused', async () => {
    const { user, authorizeUrl, state } = await startSession(h, 'Edge Cases');
    const location = new URL(await consent(h.control, user.openId, authorizeUrl));
    const code = location.searchParams.get('code') as string;
    const callback = h.config.oauth.redirectUri;
    const exchanges = (await h.control.stats()).tokenRequests.authorization_code;

    const serverError = await openPage(`${callback}?error=server_error&state=${encodeURIComponent(state)}`);
    expect(serverError.status).toBe(502);
    expect(serverError.html).toContain('Feishu could not finish the authorization');
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'pending' });

    const both = await openPage(`${callback}?code=${code}&error=access_denied&state=${encodeURIComponent(state)}`);
    expect(both.status).toBe(400);
    const repeated = await openPage(`${callback}?code=${code}&code=${code}&state=${encodeURIComponent(state)}`);
    expect(repeated.status).toBe(400);
    const repeatedError = await openPage(
      `${callback}?error=access_denied&error=access_denied&state=${encodeURIComponent(state)}`,
    );
    expect(repeatedError.status).toBe(400);
    expect((await h.control.stats()).tokenRequests.authorization_code).toBe(exchanges);
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'pending' });
    expect((await openPage(location.toString())).status).toBe(200);
  });

  it('a client that hangs up mid-body is not a server error', async () => {
    const before = h.logs.length;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/auth-sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_TOKEN}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"openId":"ou_',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const errors = h.logs.slice(before).filter((line) => (JSON.parse(line) as { level: string }).level === 'error');
    expect(errors).toEqual([]);
  });

  it('accepts DELETE and POST with content-type: application/json and no body', async () => {
    const { user } = await authorize(h, 'Json Without Body');
    const reply = await fetch(`${h.baseUrl}/api/v1/users/${user.openId}/token`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ invalidated: true });
  });
});

describe('hardening: Feishu token endpoint trouble during the code exchange', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
  }, 30_000);
  afterAll(async () => h?.close());

  it('429 and 5xx from the token endpoint are retried: four logins in a row all succeed at 1 request/s', async () => {
    await h.control.config({ tokenRatePerSecond: 1 });
    try {
      for (const name of ['Rate One', 'Rate Two', 'Rate Three', 'Rate Four']) {
        const { user, authorizeUrl } = await startSession(h, name);
        const page = await openPage(await consent(h.control, user.openId, authorizeUrl));
        expect(page.status).toBe(200);
      }
      await h.control.fault('token', 'code20050', 1);
      const { user, authorizeUrl } = await startSession(h, 'After A 20050');
      expect((await openPage(await consent(h.control, user.openId, authorizeUrl))).status).toBe(200);
    } finally {
      await h.control.config({ tokenRatePerSecond: 50 });
    }
  });

  it('a timeout after the request was sent is not retried (the code may be spent): it fails clearly', async () => {
    const { user, authorizeUrl } = await startSession(h, 'Timed Out');
    const location = await consent(h.control, user.openId, authorizeUrl);
    await h.control.fault('token', 'timeout', 1);
    const before = (await h.control.stats()).tokenRequests.authorization_code;
    const page = await openPage(location);
    expect(page.status).toBe(502);
    expect((await h.control.stats()).tokenRequests.authorization_code).toBe(before + 1);
    expect(await onlySession(h, user.openId)).toMatchObject({ status: 'failed', reason: 'code_exchange_failed' });
  });
});

describe('hardening: an exchange caught in flight (the service clock moved by the test)', () => {
  let h: Harness;
  const clock = new FakeClock({ start: new Date(), autoAdvance: true });

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', clock });
  }, 30_000);
  afterAll(async () => h?.close());

  it('the page of an exchange in progress says so and refreshes; a stuck one overtaken by a later success is superseded', async () => {
    const first = await startSession(h, 'Crashed Mid Exchange');
    const firstLocation = await consent(h.control, first.user.openId, first.authorizeUrl);
    // A process that died after claiming the session: it stays `exchanging`.
    const db = h.app.get(DataSource);
    await db.query(`UPDATE auth_sessions SET status = 'exchanging', updated_at = $2 WHERE open_id = $1`, [
      first.user.openId,
      clock.now(),
    ]);
    const waiting = await openPage(firstLocation);
    expect(waiting.status).toBe(202);
    expect(waiting.html).toContain('<meta http-equiv="refresh" content="3">');
    expect(waiting.html).toContain('being completed right now');

    const second = await dmAndWaitForCard(h.control, first.user.openId, 'login');
    expect((await openPage(await consent(h.control, first.user.openId, authorizeUrlOf(second)))).status).toBe(200);
    clock.advance(3 * 60_000);
    await h.app.get(SessionExpiryJob).run();
    const sessions = (await h.api('GET', `/api/v1/auth-sessions?openId=${first.user.openId}`)).body as Array<{
      status: string;
      reason: string | null;
    }>;
    expect(sessions.map((session) => `${session.status}/${session.reason}`)).toEqual([
      'completed/null',
      'superseded/superseded',
    ]);
    const stale = await messageById(h.control, first.user.openId, first.card.messageId);
    expect(headerTitle(stale)).toBe('This request was replaced');
  });
});

describe('hardening: the database stops answering (through a TCP proxy the test controls)', () => {
  let h: Harness;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const target = new URL(testDatabaseUrl());
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    h = await startHarness({
      database: 'postgres',
      rewriteDatabaseUrl: (url) => {
        const proxied = new URL(url);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(proxy.port);
        return proxied.toString();
      },
    });
  }, 30_000);
  afterAll(async () => {
    proxy?.setMode('pass');
    await h?.close();
    await proxy?.close();
  });

  async function timed(run: () => Promise<Response>): Promise<{ response: Response; ms: number }> {
    const started = Date.now();
    const response = await run();
    return { response, ms: Date.now() - started };
  }

  it.each(['blackhole', 'reset', 'refuse'] as const)(
    '%s: the API answers 503 DATABASE_UNAVAILABLE with Retry-After within seconds, /metrics at once, then recovers',
    async (mode) => {
      const { user, authorizeUrl } = await startSession(h, `Outage ${mode}`);
      const location = await consent(h.control, user.openId, authorizeUrl);
      proxy.setMode(mode);
      try {
        const api = await timed(() =>
          fetch(`${h.baseUrl}/api/v1/auth-sessions?openId=${user.openId}`, {
            headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
          }),
        );
        expect(api.response.status).toBe(503);
        expect(api.response.headers.get('retry-after')).toBe('5');
        expect((await api.response.json()).error.code).toBe('DATABASE_UNAVAILABLE');
        expect(api.ms).toBeLessThan(8_000);

        const metrics = await timed(() => fetch(`${h.baseUrl}/metrics`));
        expect(metrics.response.status).toBe(200);
        expect(metrics.ms).toBeLessThan(1_000);
        const ready = await timed(() => fetch(`${h.baseUrl}/readyz`));
        expect(ready.response.status).toBe(503);
        expect(ready.ms).toBeLessThan(4_000);

        const page = await timed(() => fetch(location, { headers: { 'accept-language': 'en-US' } }));
        expect(page.response.status).toBe(503);
        expect(await page.response.text()).toContain('open the same link again');
        expect(page.ms).toBeLessThan(8_000);
      } finally {
        proxy.setMode('pass');
      }
      await waitFor(async () => (await fetch(`${h.baseUrl}/readyz`)).status === 200, 20_000, 'readiness to come back');
      // The session stayed pending, so the same link now completes the authorization.
      expect((await openPage(location)).status).toBe(200);
    },
  );
});
