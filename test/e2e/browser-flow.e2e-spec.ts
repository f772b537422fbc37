import { rmSync } from 'node:fs';
import * as path from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { Harness, startHarness } from '../support/app-harness';
import { screenshotDir } from '../support/artifacts';
import { fontsRenderingText, launchChromium, newScreenshotContext, readPngSize } from '../support/browser';
import { Cleanup } from '../support/cleanup';

const CHAT_SHOT = path.join(screenshotDir(), 'chat-authorized.png');
const SUCCESS_SHOT = path.join(screenshotDir(), 'callback-success.png');

/**
 * What a person does, in a real headless Chromium: type "login" in the simulator's chat, click Authorize on the
 * card, approve on the consent page, land on our /callback page, and see the card turn to "authorized".
 */
describe('card authorization in a browser (Chromium, Postgres)', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cleanup = new Cleanup();

  beforeAll(async () => {
    // Both at once; whichever started is stopped in afterAll even when the other failed.
    const [harness, chromium] = await Promise.allSettled([startHarness({ database: 'postgres' }), launchChromium()]);
    if (harness.status === 'fulfilled') cleanup.add(() => harness.value.close());
    if (chromium.status === 'fulfilled') cleanup.add(() => chromium.value.close());
    if (harness.status === 'rejected') throw harness.reason;
    if (chromium.status === 'rejected') throw chromium.reason;
    [h, browser] = [harness.value, chromium.value];
    context = await newScreenshotContext(browser, { locale: 'en-US', timeoutMs: 10_000 });
    cleanup.add(() => context.close());
    page = await context.newPage();
  }, 45_000);

  afterAll(() => cleanup.run(), 20_000);

  it('chat → login → card → Authorize → consent → success page → authorized card', async () => {
    const user = await h.control.createUser('Zhang San');
    const other = await h.control.createUser('Li Si');
    const chatUrl = `${h.sim.url}/_sim/chat?openId=${encodeURIComponent(user.openId)}`;

    // The chat: wait for the bot's WebSocket to be up, then type "login" and send it.
    const chat = await page.goto(chatUrl);
    expect(chat?.status()).toBe(200);
    await page.locator('#sim-status.on').waitFor();
    await page.locator('#sim-input').fill('login');
    await page.locator('#sim-send').click();
    await expect(page.locator('.row.me .bubble.me').last().textContent()).resolves.toBe('login');

    // The bot answers with the pending authorization card.
    const card = page.locator('.row.bot[data-msg-type="interactive"]').last();
    const authorize = card.locator('a[data-action="open_url"]', { hasText: 'Authorize' });
    await authorize.waitFor();
    await expect(card.locator('.card-title').textContent()).resolves.toContain('Authorize');
    const messageId = (await card.getAttribute('data-message-id')) as string;
    expect(messageId).toMatch(/^om_/);
    const href = (await authorize.getAttribute('href')) as string;
    expect(href.startsWith(`${h.sim.url}/open-apis/authen/v1/authorize?`)).toBe(true);

    // Authorize opens Feishu's consent page (same tab); the chat's user is preselected.
    await authorize.click();
    await page.waitForURL((url) => url.pathname === '/open-apis/authen/v1/authorize');
    await expect(page.locator('h1').textContent()).resolves.toContain('wants to access your account');
    const picker = page.locator('#sim-user');
    if ((await picker.inputValue()) !== user.openId) await picker.selectOption(user.openId);
    expect(await picker.inputValue()).toBe(user.openId);
    expect(await picker.locator('option').count()).toBeGreaterThanOrEqual(2);
    expect(await picker.locator(`option[value="${other.openId}"]`).count()).toBe(1);

    // Approve: the simulator redirects the browser to our /callback, which answers the success page.
    const callbackResponse = page.waitForResponse((response) =>
      response.url().startsWith(`${h.config.oauth.redirectUri}?`),
    );
    await page.locator('#authorize').click();
    const callback = await callbackResponse;
    expect(callback.status()).toBe(200);
    expect(callback.headers()['cache-control']).toBe('no-store');
    await page.waitForURL((url) => url.href.startsWith(h.config.oauth.redirectUri ?? ''));
    await page.waitForLoadState('load');
    await expect(page.locator('h1').textContent()).resolves.toBe('Authorized');
    await expect(page.locator('main').textContent()).resolves.toContain('Zhang San');
    const pageText = (await page.locator('body').textContent()) as string;
    expect(pageText).not.toContain(new URL(page.url()).searchParams.get('code') as string);
    rmSync(SUCCESS_SHOT, { force: true });
    await page.screenshot({ path: SUCCESS_SHOT });

    // Back in the chat, the same card now says "Authorized" (green header, who, scopes, no buttons left).
    await page.goto(chatUrl);
    const updated = page.locator(`.row.bot[data-message-id="${messageId}"]`);
    await updated.locator('.sim-card[data-template="green"]').waitFor();
    await expect(updated.locator('.card-title').textContent()).resolves.toBe('Authorized');
    await expect(updated.locator('.card-body').textContent()).resolves.toContain('Zhang San');
    expect(Number(await updated.getAttribute('data-update-count'))).toBeGreaterThanOrEqual(1);
    expect(await updated.locator('a[data-action="open_url"]').count()).toBe(0);
    await page.locator('#sim-status.on').waitFor();
    await updated.scrollIntoViewIfNeeded();
    // The card's Chinese text ("取消授权") is drawn with the web font the simulator serves from the npm package,
    // whatever fonts the machine has.
    const fonts = await fontsRenderingText(page, '取消授权');
    expect(fonts.length).toBeGreaterThan(0);
    const webFont = { familyName: expect.stringMatching(/^Noto Sans SC\b/), isCustomFont: true };
    expect(fonts).toEqual(fonts.map(() => expect.objectContaining(webFont)));
    rmSync(CHAT_SHOT, { force: true });
    await page.screenshot({ path: CHAT_SHOT });

    // Keep the test honest: both screenshots exist and are viewport-sized PNGs.
    for (const file of [CHAT_SHOT, SUCCESS_SHOT]) {
      const png = readPngSize(file);
      expect(png).toMatchObject({ width: 900, height: 700 });
      expect(png?.bytes).toBeGreaterThan(5_000);
    }

    // And the service agrees: the token is there for the API.
    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(200);
  }, 60_000);
});
