import { startHarness, Harness } from '../support/app-harness';
import { consent, headerTitle, messageById, onlySession, openPage, startSession } from '../support/flow';

describe('REST API: ending sessions and tokens (Postgres)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
  }, 30_000);
  afterAll(async () => h?.close());

  async function authorized(name: string) {
    const started = await startSession(h, name);
    expect((await openPage(await consent(h.control, started.user.openId, started.authorizeUrl))).status).toBe(200);
    expect((await h.api('GET', `/api/v1/users/${started.user.openId}/token`)).status).toBe(200);
    return started;
  }

  it('DELETE /api/v1/auth-sessions/:id of a pending session invalidates it; its link then answers 409', async () => {
    const { user, card, authorizeUrl } = await startSession(h, 'Cancelled Pending');
    const { id } = await onlySession(h, user.openId);
    const reply = await h.api('DELETE', `/api/v1/auth-sessions/${id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id, status: 'invalidated', reason: 'admin' });
    expect(headerTitle(await messageById(h.control, user.openId, card.messageId))).toBe('Authorization revoked');
    const page = await openPage(await consent(h.control, user.openId, authorizeUrl));
    expect(page.status).toBe(409);
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(404);
  });

  it('DELETE /api/v1/auth-sessions/:id of a completed session also ends the token', async () => {
    const { user } = await authorized('Admin Ended');
    const { id } = await onlySession(h, user.openId);
    const reply = await h.api('DELETE', `/api/v1/auth-sessions/${id}`);
    expect(reply.body).toMatchObject({ status: 'invalidated', reason: 'admin' });
    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(409);
    expect(token.body.error.code).toBe('REAUTHORIZATION_REQUIRED');
  });

  it('DELETE /api/v1/auth-sessions/:id of an unknown session → 404; of a malformed id → 400', async () => {
    const unknown = await h.api('DELETE', '/api/v1/auth-sessions/6f1c2b9e-3d4a-4b8e-9f00-1a2b3c4d5e6f');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('AUTH_SESSION_NOT_FOUND');
    expect((await h.api('DELETE', '/api/v1/auth-sessions/not-a-uuid')).status).toBe(400);
  });

  it('DELETE /api/v1/users/:openId/token logs the user out: the token answers 409, a second DELETE finds nothing', async () => {
    const { user } = await authorized('Logged Out By API');
    const first = await h.api('DELETE', `/api/v1/users/${user.openId}/token`);
    expect(first).toEqual({ status: 200, body: { invalidated: true } });
    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(409);
    expect(token.body.error.code).toBe('REAUTHORIZATION_REQUIRED');
    expect(await h.api('DELETE', `/api/v1/users/${user.openId}/token`)).toEqual({
      status: 200,
      body: { invalidated: false },
    });
  });

  it('both DELETE routes need the API bearer token', async () => {
    expect((await h.api('DELETE', '/api/v1/users/ou_nobody/token', undefined, 'wrong-token-0123456789')).status).toBe(
      401,
    );
    const reply = await h.api('DELETE', '/api/v1/auth-sessions/6f1c2b9e-3d4a-4b8e-9f00-1a2b3c4d5e6f', undefined, '');
    expect(reply.status).toBe(401);
  });
});
