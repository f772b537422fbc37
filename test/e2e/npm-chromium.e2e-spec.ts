import * as path from 'node:path';

import type { Browser } from 'playwright-core';

import { type Simulator, startSimulator } from '../simulator';
import { screenshotDir } from '../support/artifacts';
import { fontsRenderingText, launchChromium, newScreenshotContext, readPngSize } from '../support/browser';
import { npmChromium } from '../support/chromium';
import { Cleanup } from '../support/cleanup';

// The browser of a machine without Chromium, exercised on every machine (CI has Debian's, which the other browser
// tests then use): the headless Chromium shipped in @sparticuz/chromium, with no system CJK font.
describe('the npm Chromium (@sparticuz/chromium)', () => {
  const cleanup = new Cleanup();
  let sim: Simulator;
  let browser: Browser;
  let packageVersion: string;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    cleanup.add(() => sim.close());
    const install = await npmChromium();
    packageVersion = install.source.replace('@sparticuz/chromium ', '');
    browser = await launchChromium(60_000, install);
    cleanup.add(() => browser.close());
  }, 90_000);
  afterAll(() => cleanup.run());

  it("renders the simulator's chat page, its Chinese text in the web font the simulator serves", async () => {
    const user = sim.createUser('张三');
    const context = await newScreenshotContext(browser, { locale: 'zh-CN' });
    cleanup.add(() => context.close());
    const page = await context.newPage();
    const response = await page.goto(`${sim.url}/_sim/chat?openId=${encodeURIComponent(user.openId)}`);
    expect(response?.status()).toBe(200);
    await page.locator('#sim-chat').waitFor();
    // The package's Chromium indeed (its major version is the package's), not a system one.
    expect(browser.version().split('.')[0]).toBe(packageVersion.split('.')[0]);

    const fonts = await fontsRenderingText(page, '张三');
    expect(fonts.length).toBeGreaterThan(0);
    const webFont = { familyName: expect.stringMatching(/^Noto Sans SC\b/), isCustomFont: true };
    expect(fonts).toEqual(fonts.map(() => expect.objectContaining(webFont)));

    const shot = path.join(screenshotDir(), 'npm-chromium-chat.png');
    await page.screenshot({ path: shot });
    expect(readPngSize(shot)).toMatchObject({ width: 900, height: 700 });
  }, 30_000);
});
