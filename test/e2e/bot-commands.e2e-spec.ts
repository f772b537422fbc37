import { startHarness, Harness } from '../support/app-harness';
import { authorizeUrlOf, consent, dmAndWaitForCard, headerTitle, openPage } from '../support/flow';

describe('DM commands over the WebSocket (Postgres)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
  }, 30_000);
  afterAll(async () => h?.close());

  it('status before and after authorizing, then logout ends the token and the completed session', async () => {
    const user = await h.control.createUser('Li Si');
    const before = await dmAndWaitForCard(h.control, user.openId, 'status');
    expect(headerTitle(before)).toBe('Authorization status');
    expect(JSON.stringify(before.content)).toContain('You have not authorized the app yet');

    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    expect((await openPage(await consent(h.control, user.openId, authorizeUrlOf(card)))).status).toBe(200);

    const after = await dmAndWaitForCard(h.control, user.openId, 'status');
    expect(JSON.stringify(after.content)).toContain('Li Si');
    expect(JSON.stringify(after.content)).not.toContain('You have not authorized the app yet');

    const loggedOut = await dmAndWaitForCard(h.control, user.openId, 'logout');
    expect(headerTitle(loggedOut)).toBe('Authorization revoked');
    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(409);
    expect(token.body.error.code).toBe('REAUTHORIZATION_REQUIRED');
    const sessions = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body;
    expect(sessions[0]).toMatchObject({ status: 'invalidated', reason: 'logout' });
  }, 30_000);

  it('answers the Chinese commands with Chinese cards', async () => {
    const user = await h.control.createUser('Wang Wu');
    const status = await dmAndWaitForCard(h.control, user.openId, '状态');
    expect(headerTitle(status)).toMatch(/[\u4e00-\u9fff]/);
    const card = await dmAndWaitForCard(h.control, user.openId, '授权');
    expect(headerTitle(card)).toMatch(/[\u4e00-\u9fff]/);
    expect(authorizeUrlOf(card)).toContain('/open-apis/authen/v1/authorize?');
  }, 30_000);
});
