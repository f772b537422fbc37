import { createHash } from 'node:crypto';

import type { CallbackOutcome, TerminalAuthSessionStatus } from '../auth-session/auth-session.vocabulary';
import { DEFAULT_LOCALE, htmlLang, Locale } from '../common/locale';
import { enUS, ResultPageTexts, zhCN } from './result-page.texts';

export interface ResultPageDetails {
  /** success: the authorized user's display name. */
  name?: string;
  /** success: the card patch failed and is being retried in the background. */
  cardPatchPending?: boolean;
  /** already_used: how the session ended. */
  previousOutcome?: TerminalAuthSessionStatus;
  /** The display name of the app the user authorized (several apps may share one service). */
  appName?: string;
}

export interface ResultPage {
  status: number;
  html: string;
}

export const RESULT_PAGE_STATUS: Readonly<Record<CallbackOutcome, number>> = {
  success: 200,
  denied: 200,
  invalid_state: 400,
  invalid_request: 400,
  missing_code: 400,
  expired: 410,
  already_used: 409,
  in_progress: 202,
  provider_error: 502,
  code_exchange_failed: 502,
  identity_mismatch: 403,
  account_unavailable: 403,
  unavailable: 503,
  internal: 500,
};

/** Outcomes whose page reloads itself after a few seconds (the answer is about to change). */
const REFRESH_SECONDS: Partial<Record<CallbackOutcome, number>> = { in_progress: 3 };

type Tone = 'success' | 'neutral' | 'warning' | 'error';
const TONE: Readonly<Record<CallbackOutcome, Tone>> = {
  success: 'success',
  denied: 'neutral',
  invalid_state: 'error',
  invalid_request: 'error',
  missing_code: 'warning',
  expired: 'warning',
  already_used: 'neutral',
  in_progress: 'neutral',
  provider_error: 'warning',
  code_exchange_failed: 'error',
  identity_mismatch: 'error',
  account_unavailable: 'error',
  unavailable: 'warning',
  internal: 'error',
};
const ICON: Readonly<Record<Tone, string>> = { success: '✓', neutral: 'i', warning: '!', error: '✕' };

const TEXTS: Readonly<Record<Locale, ResultPageTexts>> = { zh_cn: zhCN, en_us: enUS };

const STYLE = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1f2329;--muted:#646a73;--line:#dee0e3}
@media (prefers-color-scheme:dark){:root{--bg:#1a1b1e;--card:#25272b;--text:#e8e9eb;--muted:#a6abb3;--line:#3a3d42}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;background:var(--bg);color:var(--text);font:16px/1.6 -apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif}
main{width:100%;max-width:440px;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:32px 28px;text-align:center;box-shadow:0 4px 16px rgba(0,0,0,.06)}
.icon{width:56px;height:56px;margin:0 auto 16px;border-radius:50%;display:flex;align-items:center;justify-content:center;font-size:28px;font-weight:700;color:#fff}
.success .icon{background:#34a853}.neutral .icon{background:#8f959e}.warning .icon{background:#f5a623}.error .icon{background:#e5484d}
h1{margin:0 0 12px;font-size:22px;line-height:1.3}
p{margin:0 0 8px}
.hint{margin-top:20px;padding-top:16px;border-top:1px solid var(--line);color:var(--muted);font-size:14px}
footer{margin-top:16px;color:var(--muted);font-size:12px}
`.trim();

const STYLE_HASH = cspHash(STYLE);

export function renderResultPage(
  kind: CallbackOutcome,
  locale: Locale = DEFAULT_LOCALE,
  details: ResultPageDetails = {},
): ResultPage {
  const t = TEXTS[locale];
  const { heading, lines, hint } = content(kind, t, details);
  const tone = TONE[kind];
  const html = `<!doctype html>
<html lang="${htmlLang(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">${refresh(kind)}
<title>${escapeHtml(heading)} · ${escapeHtml(t.product)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="${tone}">
<div class="icon" aria-hidden="true">${ICON[tone]}</div>
<h1>${escapeHtml(heading)}</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
<p class="hint">${escapeHtml(hint)}</p>
<footer>${details.appName ? `${escapeHtml(details.appName)} · ` : ''}${escapeHtml(t.product)}</footer>
</main>
</body>
</html>
`;
  return { status: RESULT_PAGE_STATUS[kind], html };
}

/** Response headers for a result page; the CSP allows exactly the page's inline style blocks by hash. */
export function resultPageHeaders(html: string): Record<string, string> {
  const hashes = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) =>
    match[1] === STYLE ? STYLE_HASH : cspHash(match[1] ?? ''),
  );
  const styleSrc = hashes.length > 0 ? [...new Set(hashes)].map((hash) => `'${hash}'`).join(' ') : "'none'";
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src ${styleSrc}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}

function refresh(kind: CallbackOutcome): string {
  const seconds = REFRESH_SECONDS[kind];
  return seconds === undefined ? '' : `\n<meta http-equiv="refresh" content="${seconds}">`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function cspHash(css: string): string {
  return `sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}`;
}

function content(
  kind: CallbackOutcome,
  t: ResultPageTexts,
  details: ResultPageDetails,
): { heading: string; lines: string[]; hint: string } {
  switch (kind) {
    case 'success': {
      const s = t.success;
      const name = details.name?.trim() || undefined;
      return {
        heading: s.heading,
        lines: [s.lead(name), details.cardPatchPending ? s.cardPending : s.cardUpdated],
        hint: s.hint,
      };
    }
    case 'already_used': {
      const a = t.already_used;
      const outcomes: Record<TerminalAuthSessionStatus, string> = a.outcomes;
      const outcome = details.previousOutcome;
      const line = outcome && Object.hasOwn(outcomes, outcome) ? outcomes[outcome] : a.unknownOutcome;
      return { heading: a.heading, lines: [line], hint: outcome === 'completed' ? a.doneHint : a.retryHint };
    }
    case 'denied':
    case 'invalid_state':
    case 'invalid_request':
    case 'missing_code':
    case 'expired':
    case 'in_progress':
    case 'provider_error':
    case 'code_exchange_failed':
    case 'identity_mismatch':
    case 'account_unavailable':
    case 'unavailable':
    case 'internal': {
      const { heading, lead, hint } = t[kind];
      return { heading, lines: [lead], hint };
    }
  }
}
