import { DEFAULT_ENABLED_SCOPES } from '../simulator/scopes';
import { waitFor } from '../simulator/test-kit';
import { Harness, startHarness } from '../support/app-harness';
import { dmAndWaitForCard, headerTitle } from '../support/flow';

jest.setTimeout(60_000);

const NOT_ENABLED = 'mail:user_mailbox:readonly';

/**
 * The service reads the app's enabled scopes (GET /open-apis/application/v6/applications/:app_id, which needs
 * application:application:self_manage) and refuses what Feishu's consent page would answer with error 20027.
 */
describe('scope precheck against the console configuration', () => {
  let h: Harness;
  let appId: string;

  beforeAll(async () => {
    h = await startHarness({
      database: 'postgres',
      env: { OAUTH_SCOPES: `contact:user.base:readonly ${NOT_ENABLED}` },
    });
    appId = h.config.apps[0]!.appId;
  }, 30_000);
  afterAll(async () => h?.close());

  it('says at start which configured scope is not enabled', async () => {
    await waitFor(
      async () => h.logs.some((line) => line.includes('configured scopes') && line.includes(NOT_ENABLED)),
      10_000,
      'the start check to log the missing scope',
    );
  });

  it('answers a request for a scope that is not enabled with 400 SCOPE_NOT_ENABLED naming it and the console', async () => {
    const user = await h.control.createUser('Scope Asker');
    const refused = await h.api('POST', '/api/v1/auth-sessions', { openId: user.openId });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('SCOPE_NOT_ENABLED');
    expect(refused.body.error.message).toContain(NOT_ENABLED);
    expect(refused.body.error.message).toContain(`${h.sim.url}/app/${appId}/auth`);
    expect(refused.body.error.message).not.toContain('contact:user.base:readonly');
    expect((await h.control.messages(user.openId)).length).toBe(0);

    const allowed = await h.api('POST', '/api/v1/auth-sessions', {
      openId: user.openId,
      scopes: ['contact:user.base:readonly'],
    });
    expect(allowed.status).toBe(201);
  });

  it('answers a login DM with a card that names the scope and where to enable it', async () => {
    const user = await h.control.createUser('Scope Texter');
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    expect(headerTitle(card)).toBe('Authorization not possible yet');
    const text = JSON.stringify(card.content);
    expect(text).toContain(NOT_ENABLED);
    expect(text).toContain(`/app/${appId}/auth`);
    const sessions = await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`);
    expect(sessions.body).toEqual([]);
  });

  it('notices a scope enabled in the console a few seconds later', async () => {
    await h.control.config({ enabledScopes: [...DEFAULT_ENABLED_SCOPES, NOT_ENABLED] });
    const user = await h.control.createUser('Scope Patient');
    await waitFor(
      async () => (await h.api('POST', '/api/v1/auth-sessions', { openId: user.openId })).status === 201,
      15_000,
      'the newly enabled scope to be accepted',
      1_000,
    );
  });
});
