import { createHash } from 'node:crypto';

import type { CallbackOutcome, TerminalAuthSessionStatus } from '../auth-session/auth-session.vocabulary';
import { htmlLang, Locale } from '../common/locale';
import { escapeHtml, ResultPageDetails, renderResultPage, resultPageHeaders } from './result-page';
import { enUS, zhCN } from './result-page.texts';

const KINDS: [CallbackOutcome, number][] = [
  ['success', 200],
  ['denied', 200],
  ['invalid_state', 400],
  ['missing_code', 400],
  ['expired', 410],
  ['already_used', 409],
  ['code_exchange_failed', 502],
  ['identity_mismatch', 403],
  ['account_unavailable', 403],
  ['internal', 500],
];
const LOCALES: Locale[] = ['zh_cn', 'en_us'];

function styleBlocks(html: string): string[] {
  return [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1] ?? '');
}

function textOf(html: string): string {
  const entities: Record<string, string> = { '&#38;': '&', '&#60;': '<', '&#62;': '>', '&#34;': '"', '&#39;': "'" };
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#\d+;/g, (entity) => entities[entity] ?? entity);
}

describe('renderResultPage', () => {
  describe.each(LOCALES)('%s', (locale) => {
    it.each(KINDS)('%s answers %i with a small self-contained HTML5 page', (kind, status) => {
      const page = renderResultPage(kind, locale);
      expect(page.status).toBe(status);
      expect(page.html.startsWith('<!doctype html>')).toBe(true);
      expect(page.html).toContain(`<html lang="${htmlLang(locale)}">`);
      expect(page.html).toContain('<meta charset="utf-8">');
      expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(page.html).toMatch(/<title>[^<]+<\/title>/);
      expect(styleBlocks(page.html)).toHaveLength(1);
      expect(page.html).not.toMatch(/<script/i);
      expect(page.html).not.toMatch(/https?:\/\//i);
      expect(page.html).not.toMatch(/\s(src|href|srcset|action)=/i);
      expect(page.html).not.toMatch(/\sstyle=/i);
      expect(page.html).not.toMatch(/@import|url\(/i);
      expect(Buffer.byteLength(page.html)).toBeLessThan(8 * 1024);
    });
  });

  it('writes each language in its own words', () => {
    for (const [kind] of KINDS) {
      const zh = textOf(renderResultPage(kind, 'zh_cn').html);
      const en = textOf(renderResultPage(kind, 'en_us').html);
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      expect(en).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('defaults to zh-CN', () => {
    expect(renderResultPage('expired').html).toContain('<html lang="zh-CN">');
    expect(textOf(renderResultPage('expired').html)).toContain(zhCN.expired.heading);
  });

  describe('success', () => {
    it("shows the user's name and that the card was updated", () => {
      const text = textOf(renderResultPage('success', 'en_us', { name: 'Ada Lovelace' }).html);
      expect(text).toContain('Ada Lovelace');
      expect(text).toContain(enUS.success.cardUpdated);
      expect(text).not.toContain(enUS.success.cardPending);
    });

    it('says the card will update shortly when the patch is still pending', () => {
      const text = textOf(renderResultPage('success', 'zh_cn', { name: '张三', cardPatchPending: true }).html);
      expect(text).toContain('已为 张三 完成授权。');
      expect(text).toContain(zhCN.success.cardPending);
      expect(text).not.toContain(zhCN.success.cardUpdated);
    });

    it('works without a name', () => {
      expect(textOf(renderResultPage('success', 'en_us', { name: '  ' }).html)).toContain(
        'The authorization is complete.',
      );
    });
  });

  describe('already_used', () => {
    const outcomes: TerminalAuthSessionStatus[] = [
      'completed',
      'rejected',
      'failed',
      'superseded',
      'expired',
      'invalidated',
    ];

    it.each(outcomes)('says how the earlier attempt ended: %s', (previousOutcome) => {
      const text = textOf(renderResultPage('already_used', 'en_us', { previousOutcome }).html);
      expect(text).toContain(enUS.already_used.outcomes[previousOutcome]);
      expect(text).toContain(
        previousOutcome === 'completed' ? enUS.already_used.doneHint : enUS.already_used.retryHint,
      );
    });

    it('tells success from failure', () => {
      expect(textOf(renderResultPage('already_used', 'en_us', { previousOutcome: 'completed' }).html)).toMatch(
        /completed successfully/,
      );
      expect(textOf(renderResultPage('already_used', 'en_us', { previousOutcome: 'failed' }).html)).toMatch(
        /no access was granted/,
      );
    });

    it('falls back to a neutral sentence without an outcome', () => {
      expect(textOf(renderResultPage('already_used', 'zh_cn').html)).toContain(zhCN.already_used.unknownOutcome);
    });
  });

  it('gives a retry hint when the code exchange failed', () => {
    const text = textOf(renderResultPage('code_exchange_failed', 'en_us').html);
    expect(text).toContain('send "login"');
    expect(textOf(renderResultPage('code_exchange_failed', 'zh_cn').html)).toContain('重新发送“授权”');
  });

  it('explains an identity mismatch as a card for another account', () => {
    expect(textOf(renderResultPage('identity_mismatch', 'en_us').html)).toContain('sent to another Feishu account');
  });

  it('shows no details on an internal error, whatever it is given', () => {
    const details = { name: 'Ada', leak: 'stack trace at foo.ts:12' } as ResultPageDetails;
    const html = renderResultPage('internal', 'en_us', details).html;
    expect(html).not.toContain('Ada');
    expect(html).not.toContain('stack trace');
  });

  it('never echoes values it is not meant to show', () => {
    const details = { name: 'Ada', code: 'the-auth-code', state: 'the-state' } as ResultPageDetails;
    for (const [kind] of KINDS) {
      const html = renderResultPage(kind, 'en_us', details).html;
      expect(html).not.toContain('the-auth-code');
      expect(html).not.toContain('the-state');
    }
  });

  it('escapes interpolated text', () => {
    const name = `<script>alert("x")</script> & 'quotes' <img src=x onerror=alert(1)>`;
    const html = renderResultPage('success', 'en_us', { name }).html;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;');
    expect(textOf(html)).toContain(name);
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'a`)).toBe('&#38;&#60;&#62;&#34;&#39;a');
  });
});

describe('resultPageHeaders', () => {
  const html = renderResultPage('success', 'en_us', { name: 'Ada' }).html;
  const headers = resultPageHeaders(html);

  it('forbids caching, referrers, sniffing and framing', () => {
    expect(headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    });
  });

  it('sends a strict CSP whose style hash matches the inline style block', () => {
    const [style] = styleBlocks(html);
    const expected = createHash('sha256')
      .update(style ?? '')
      .digest('base64');
    expect(headers['Content-Security-Policy']).toBe(
      `default-src 'none'; style-src 'sha256-${expected}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
  });

  it('uses the same hash for every page, and a different one for a different style', () => {
    for (const [kind] of KINDS) {
      for (const locale of LOCALES) {
        const other = resultPageHeaders(renderResultPage(kind, locale).html);
        expect(other['Content-Security-Policy']).toBe(headers['Content-Security-Policy']);
      }
    }
    const altered = html.replace('<style>', '<style>p{}');
    expect(resultPageHeaders(altered)['Content-Security-Policy']).not.toBe(headers['Content-Security-Policy']);
  });

  it('allows no style at all for a page without one', () => {
    expect(resultPageHeaders('<p>x</p>')['Content-Security-Policy']).toContain("style-src 'none'");
  });
});
