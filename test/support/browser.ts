import { existsSync, readFileSync } from 'node:fs';

import { Browser, BrowserContext, chromium } from 'playwright-core';

/** The system Chromium (never downloaded); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
 * Headless Chromium with a fresh temporary profile (Playwright creates and removes the user-data-dir).
 * Close it in afterAll: a running browser keeps jest from exiting.
 */
export async function launchChromium(timeoutMs = 30_000): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH); browser tests never download one`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: timeoutMs });
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
