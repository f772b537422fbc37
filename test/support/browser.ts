import { readFileSync } from 'node:fs';

import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

import { type ChromiumInstall, findChromium } from './chromium';

/** Quiet, offline-friendly flags: no sandbox (containers), no GPU, no QUIC, no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Headless Chromium (see findChromium: never downloaded) with a fresh temporary profile (Playwright creates and
 * removes the user-data-dir). Close it in afterAll: a running browser keeps jest from exiting.
 */
export async function launchChromium(timeoutMs = 30_000, chosen?: ChromiumInstall): Promise<Browser> {
  const install = chosen ?? (await findChromium());
  try {
    return await chromium.launch({
      executablePath: install.executablePath,
      env: { ...process.env, ...install.env },
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: timeoutMs,
    });
  } catch (error) {
    throw new Error(`Chromium (${install.source}, ${install.executablePath}) did not start`, { cause: error });
  }
}

export interface PageContextOptions {
  width?: number;
  height?: number;
  /** Sent as Accept-Language and used by Intl in the page. */
  locale?: string;
  /** Default timeout of every page action and wait. */
  timeoutMs?: number;
}

/** A context sized for README screenshots: 900×700 CSS pixels at device scale 1 (small PNGs). */
export async function newScreenshotContext(
  browser: Browser,
  options: PageContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 900, height: options.height ?? 700 },
    deviceScaleFactor: 1,
    locale: options.locale ?? 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
  });
  context.setDefaultTimeout(options.timeoutMs ?? 10_000);
  context.setDefaultNavigationTimeout(options.timeoutMs ?? 10_000);
  return context;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk when `file` is a PNG, else undefined. */
export function readPngSize(file: string): { width: number; height: number; bytes: number } | undefined {
  const data = readFileSync(file);
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (data.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20), bytes: data.length };
}

export interface RenderedFont {
  familyName: string;
  isCustomFont: boolean;
  glyphCount: number;
}

/**
 * The fonts Chromium actually used to draw the text node containing `text` (DevTools' CSS.getPlatformFontsForNode),
 * after the page's web fonts have loaded.
 */
export async function fontsRenderingText(page: Page, text: string): Promise<RenderedFont[]> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const marked = await page.evaluate((wanted) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const parent = walker.currentNode.parentElement;
      if (walker.currentNode.nodeValue?.includes(wanted) && parent) {
        parent.setAttribute('data-font-probe', '');
        return true;
      }
    }
    return false;
  }, text);
  if (!marked) throw new Error(`no text node contains ${JSON.stringify(text)}`);
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '[data-font-probe]' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts;
  } finally {
    await cdp.detach();
  }
}
