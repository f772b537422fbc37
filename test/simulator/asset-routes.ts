import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as path from 'node:path';

import type { Router } from './http-util';

/**
 * Static assets of the simulator's pages: the Noto Sans SC web font from @fontsource/noto-sans-sc (so Chinese
 * card texts render the same on every machine, with no system CJK font) and a favicon (so a browser's automatic
 * /favicon.ico request is not a 501).
 */
const FONT_DIR = path.dirname(require.resolve('@fontsource/noto-sans-sc/package.json'));
const FONT_WEIGHTS = [400, 600, 700];
const FONT_FILE = /^noto-sans-sc-[a-z0-9-]+-(?:400|600|700)-normal\.woff2?$/;
const ASSETS = '/_sim/assets';

/** For the pages' stylesheets: the first rule of a <style> and the family to put first in `font-family`. */
export const WEB_FONT_IMPORT = `@import url("${ASSETS}/noto-sans-sc.css");`;
export const WEB_FONT_FAMILY = '"Noto Sans SC"';

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#3370ff"/><stop offset="1" stop-color="#00d6b9"/></linearGradient></defs><rect width="32" height="32" rx="8" fill="url(#g)"/></svg>`;

let fontCss: string | undefined;

export function registerAssetRoutes(router: Router): void {
  router.add('GET', '/favicon.ico', (ctx) => send(ctx.res, 'image/svg+xml', FAVICON));
  router.add('GET', `${ASSETS}/noto-sans-sc.css`, (ctx) => send(ctx.res, 'text/css; charset=utf-8', fontStylesheet()));
  router.add('GET', `${ASSETS}/fonts/:file`, (ctx) => {
    const file = ctx.params.file ?? '';
    if (!FONT_FILE.test(file)) return send(ctx.res, 'text/plain', `no font ${file}`, 404);
    const type = file.endsWith('.woff2') ? 'font/woff2' : 'font/woff';
    send(ctx.res, type, readFileSync(path.join(FONT_DIR, 'files', file)));
  });
}

/** The package's @font-face rules (one per unicode range: a page loads only the ranges it uses), served from here. */
function fontStylesheet(): string {
  fontCss ??= FONT_WEIGHTS.map((weight) => readFileSync(path.join(FONT_DIR, `${weight}.css`), 'utf8'))
    .join('\n')
    .replaceAll('url(./files/', `url(${ASSETS}/fonts/`);
  return fontCss;
}

function send(res: ServerResponse, type: string, body: string | Buffer, status = 200): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': status === 200 ? 'public, max-age=86400' : 'no-store',
  });
  res.end(body);
}
