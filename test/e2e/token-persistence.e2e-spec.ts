import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { startHarness, Harness } from '../support/app-harness';
import { assertPgliteCanStart } from '../support/database';
import {
  authFailureIncrease,
  authorizeUrlOf,
  consent,
  dmAndWaitForCard,
  headerTemplate,
  messageById,
  openPage,
  scrapeMetrics,
} from '../support/flow';

// Stored tokens outlive the process: a second process on the same database and keys reads them back; a
// process without the key that encrypted them says so clearly instead of answering garbage.

async function authorize(h: Harness, name: string): Promise<{ openId: string; accessToken: string }> {
  const user = await h.control.createUser(name);
  const card = await dmAndWaitForCard(h.control, user.openId, 'login');
  expect((await openPage(await consent(h.control, user.openId, authorizeUrlOf(card)))).status).toBe(200);
  const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
  expect(token.status).toBe(200);
  return { openId: user.openId, accessToken: token.body.accessToken };
}

async function expectValidAtFeishu(h: Harness, accessToken: string, openId: string): Promise<void> {
  const userInfo = await fetch(`${h.sim.url}/open-apis/authen/v1/user_info`, {
    headers: { authorization: `Bearer ${accessToken}` },
  }).then((response) => response.json());
  expect(userInfo.data?.open_id).toBe(openId);
}

/**
 * First process authorizes one user and sends another a card; a restart reads the token back; a process with
 * only another key fails loudly, both for the token and for the pending session's callback.
 */
async function restartScenario(first: Harness, expectedKid: () => string, started: Harness[]): Promise<void> {
  const { openId, accessToken } = await authorize(first, 'Survives Restarts');
  const pendingUser = await first.control.createUser('Pending Across Restarts');
  const pendingCard = await dmAndWaitForCard(first.control, pendingUser.openId, 'login');
  await first.stopApp();

  const second = await startHarness({ reuse: { sim: first.sim, env: first.env } });
  started.push(second);
  const again = await second.api('GET', `/api/v1/users/${openId}/token`);
  expect(again.status).toBe(200);
  expect(again.body.accessToken).toBe(accessToken);
  await expectValidAtFeishu(second, again.body.accessToken, openId);
  await second.stopApp();

  const otherKey = { TOKEN_ENCRYPTION_KEYS: `other:${randomBytes(32).toString('base64')}` };
  const third = await startHarness({ reuse: { sim: first.sim, env: { ...first.env, ...otherKey } } });
  started.push(third);
  const refused = await third.api('GET', `/api/v1/users/${openId}/token`);
  expect(refused.status).toBe(500);
  expect(refused.body.error.code).toBe('ENCRYPTION_KEY_UNKNOWN');
  expect(refused.body.error.message).toContain(`"${expectedKid()}"`);
  expect(refused.body.error.message).toContain('TOKEN_ENCRYPTION_KEYS');
  expect(JSON.stringify(refused.body)).not.toContain(accessToken);

  // The pending session's PKCE verifier is under the old key too: the callback fails as "unexpected" and the
  // session ends failed/internal instead of staying claimed.
  const before = await scrapeMetrics(third.baseUrl);
  const location = await consent(third.control, pendingUser.openId, authorizeUrlOf(pendingCard));
  const page = await openPage(location);
  expect(page.status).toBe(500);
  expect(page.html).toContain('Something went wrong');
  expect(page.html).not.toContain(expectedKid());
  expect(page.html).not.toContain(new URL(location).searchParams.get('code') as string);
  expect(authFailureIncrease(before, await scrapeMetrics(third.baseUrl))).toEqual({ internal: 1 });
  const sessions = await third.api('GET', `/api/v1/auth-sessions?openId=${pendingUser.openId}`);
  expect(sessions.body).toEqual([expect.objectContaining({ status: 'failed', reason: 'internal' })]);
  expect(headerTemplate(await messageById(third.control, pendingUser.openId, pendingCard.messageId))).toBe('red');
  expect((await third.api('GET', `/api/v1/users/${pendingUser.openId}/token`)).status).toBe(404);
  await third.stopApp();
}

describe('token persistence across restarts', () => {
  let started: Harness[] = [];
  let tempDirs: string[] = [];

  afterEach(async () => {
    // Later processes first: they reuse the first one's simulator and database.
    for (const h of started.reverse()) await h.close();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    started = [];
    tempDirs = [];
  });

  it('Postgres: same token after a restart; an unknown key id is a clear 500', async () => {
    const first = await startHarness({ database: 'postgres' });
    started.push(first);
    const kid = (first.env.TOKEN_ENCRYPTION_KEYS as string).split(':')[0] as string;
    await restartScenario(first, () => kid, started);
  }, 30_000);

  it('PGlite: same token after a restart on the same data dir (the key file is reused); another key is a clear 500', async () => {
    assertPgliteCanStart();
    // A directory of our own, so the key file generated beside the data dir is removed with it.
    const root = mkdtempSync(path.join(tmpdir(), 'lark-persist-'));
    tempDirs.push(root);
    const dataDir = path.join(root, 'pglite');
    const keyFile = path.join(root, 'pglite.token-encryption.key');
    const first = await startHarness({ database: 'pglite', env: { PGLITE_DATA_DIR: dataDir } });
    started.push(first);
    expect(first.env.TOKEN_ENCRYPTION_KEYS).toBeUndefined();
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyLine = readFileSync(keyFile, 'utf8');
    const kid = keyLine.split(':')[0] as string;

    await restartScenario(first, () => kid, started);
    expect(readFileSync(keyFile, 'utf8')).toBe(keyLine);
  }, 45_000);
});
