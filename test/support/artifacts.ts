import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Where browser tests write screenshots: test-results/screenshots (ignored by git), or SCREENSHOT_DIR (relative to
 * the repository) — `npm run docs:screenshots` points it at docs/screenshots to regenerate the README's images.
 */
export function screenshotDir(): string {
  const dir = path.resolve(ROOT, process.env.SCREENSHOT_DIR ?? 'test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
