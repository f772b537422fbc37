import type { Browser } from 'playwright-core';

import { SimControlClient, type Simulator, startSimulator } from '../simulator';
import { sdkClient } from '../simulator/test-kit';
import { launchChromium } from '../support/browser';

// The pages of the several-apps simulator driven by Chromium: the bot selector of the chat page, a recalled
// card, and the device-flow verification page.

jest.setTimeout(30_000);

const A = { appId: 'cli_0123456789abcdef', appSecret: 'secret-a', name: 'Bot A' };
const B = { appId: 'cli_fedcba9876543210', appSecret: 'secret-b', name: 'Bot B' };

describe('simulator: several apps in Chromium', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let browser: Browser;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, apps: [A, B] });
    control = new SimControlClient(sim.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sim.close();
  });

  it('switches bots on the chat page, shows a recalled card, and approves a device code as the same person', async () => {
    const person = sim.createUser('Zhao Browser');
    sim.createUser('Someone Else');
    const inB = person.openIds[B.appId] ?? '';
    const sent = await sdkClient(sim.url, B.appId, B.appSecret).im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: {
        receive_id: inB,
        msg_type: 'interactive',
        content: JSON.stringify({
          schema: '2.0',
          config: { update_multi: true },
          header: { title: { tag: 'plain_text', content: 'From B' }, template: 'green' },
          body: { elements: [{ tag: 'markdown', content: 'hello from **B**' }] },
        }),
      },
    });
    const messageId = sent.data?.message_id ?? '';

    const page = await browser.newPage();
    await page.goto(`${sim.url}/_sim/chat?openId=${person.openId}`);
    expect(await page.locator('#sim-chat').getAttribute('data-app-id')).toBe(A.appId);
    expect(await page.locator(`a.sim-bot[data-app-id="${A.appId}"]`).getAttribute('aria-current')).toBe('page');
    await page.locator(`a.sim-bot[data-app-id="${B.appId}"]`).click();
    await page.locator(`#sim-chat[data-app-id="${B.appId}"]`).waitFor();
    expect(await page.locator('#sim-chat').getAttribute('data-open-id')).toBe(inB);
    await page.locator(`[data-message-id="${messageId}"] .card-title`, { hasText: 'From B' }).waitFor();
    await control.recall(messageId);
    await page.locator(`[data-message-id="${messageId}"] .bubble.gone`, { hasText: 'recalled' }).waitFor();

    // the chat cookie now holds the person's open_id in B; the device page of B preselects it
    const start = await fetch(`${sim.url}/oauth/v1/device_authorization`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${B.appId}:${B.appSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ scope: 'offline_access' }).toString(),
    });
    const device = (await start.json()) as {
      device_code: string;
      user_code: string;
      verification_uri_complete: string;
    };
    await page.goto(device.verification_uri_complete);
    expect(await page.locator('#sim-user-code').textContent()).toBe(device.user_code);
    expect(await page.locator('#sim-user').inputValue()).toBe(inB);
    await page.locator('#authorize').click();
    await page.locator('#sim-device-result[data-decision="approve"]').waitFor();
    await page.close();

    const poll = await fetch(`${sim.url}/oauth/v3/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: device.device_code,
        client_id: B.appId,
        client_secret: B.appSecret,
      }).toString(),
    });
    expect(poll.status).toBe(200);
    expect(((await poll.json()) as { refresh_token?: string }).refresh_token).toMatch(/^eyJ/);
  });
});
