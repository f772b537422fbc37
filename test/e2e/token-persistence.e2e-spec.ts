import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { startHarness, Harness } from '../support/app-harness';
import { authorizeUrlOf, consent, dmAndWaitForCard, openPage } from '../support/flow';

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

/** First process authorizes; a restart reads the token back; a process with only another key fails loudly. */
async function restartScenario(first: Harness, expectedKid: () => string, started: Harness[]): Promise<void> {
  const { openId, accessToken } = await authorize(first, 'Survives Restarts');
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
    // A directory of our own, so the key file generated next to the data dir lands inside it too.
    const root = mkdtempSync(path.join(tmpdir(), 'lark-persist-'));
    tempDirs.push(root);
    const dataDir = path.join(root, 'pglite');
    const keyFile = path.join(root, 'token-encryption.key');
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
