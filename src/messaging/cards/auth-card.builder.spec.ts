import {
  authorizedCard,
  Card,
  cardResponse,
  cardTexts,
  declinedCard,
  expiredCard,
  failedCard,
  formatTime,
  helpCard,
  scopeNotEnabledCard,
  authorizationUnavailableCard,
  loggedOutCard,
  pendingCard,
  notAuthorizedCard,
  nothingToLogOutCard,
  reauthRequiredStatusCard,
  revokedStatusCard,
  statusCard,
  supersededCard,
  toast,
} from './auth-card.builder';
import { Locale } from '../../common/locale';
import { describeScope } from './scope-descriptions';
import { enUs } from './texts.en_us';
import { zhCn } from './texts.zh_cn';

const LOCALES: Locale[] = ['zh_cn', 'en_us'];
const SESSION_ID = '6f1c2b9e-3d4a-4b8e-9f00-1a2b3c4d5e6f';
const AUTHORIZE_URL =
  'https://accounts.feishu.cn/open-apis/authen/v1/authorize?client_id=cli_0123456789abcdef&response_type=code' +
  '&redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fcallback&scope=contact%3Auser.base%3Areadonly%20offline_access' +
  '&state=Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' +
  '&code_challenge_method=S256';
const EXPIRES_AT = new Date('2025-01-02T07:04:00Z');
const SCOPES = ['contact:user.base:readonly', 'offline_access'];
const RENEWAL_UNTIL = new Date('2025-01-09T07:04:00Z');
const LASTING = { accessExpiresAt: EXPIRES_AT, refreshExpiresAt: RENEWAL_UNTIL };
const SHORT = { accessExpiresAt: EXPIRES_AT, refreshExpiresAt: null };

function allCards(locale: Locale): Record<string, Card> {
  return {
    pending: pendingCard({
      sessionId: SESSION_ID,
      appName: 'Demo',
      authorizeUrl: AUTHORIZE_URL,
      scopes: SCOPES,
      expiresAt: EXPIRES_AT,
      locale,
    }),
    authorized: authorizedCard({ name: 'Ada', scopes: SCOPES, ...LASTING, locale }),
    authorizedWithoutRenewal: authorizedCard({ name: 'Ada', scopes: SCOPES, ...SHORT, locale }),
    declined: declinedCard({ locale }),
    expired: expiredCard({ locale }),
    failed: failedCard({ reason: 'code_exchange_failed', locale }),
    superseded: supersededCard({ locale }),
    loggedOut: loggedOutCard({ locale }),
    statusNone: notAuthorizedCard({ locale }),
    statusActive: statusCard({ name: 'Ada', scopes: SCOPES, ...LASTING, locale }),
    nothingToLogOut: nothingToLogOutCard({ locale }),
    reauthorization: pendingCard({
      sessionId: SESSION_ID,
      authorizeUrl: AUTHORIZE_URL,
      scopes: SCOPES,
      expiresAt: EXPIRES_AT,
      locale,
      replaces: 'Ada',
      reauthReason: 'revoked',
    }),
    statusReauth: reauthRequiredStatusCard({ name: 'Ada', scopes: SCOPES, locale }),
    statusRevoked: revokedStatusCard({ name: 'Ada', scopes: SCOPES, locale }),
    help: helpCard({ locale }),
    authorizationUnavailable: authorizationUnavailableCard({ locale }),
    scopeNotEnabled: scopeNotEnabledCard({
      scopes: ['mail:user_mailbox:readonly'],
      consoleUrl: 'https://open.feishu.cn/app/cli_a/auth',
      locale,
    }),
  };
}

const ALLOWED_KEYS: Record<string, string[]> = {
  markdown: ['tag', 'content'],
  plain_text: ['tag', 'content'],
  div: ['tag', 'text'],
  hr: ['tag'],
  button: ['tag', 'text', 'type', 'behaviors'],
  column_set: ['tag', 'flex_mode', 'horizontal_spacing', 'columns'],
};

/** Fails on any property outside the subset of card JSON 2.0 documented in docs/feishu-api.md (card JSON 2.0). */
function expectOnlyKnownProperties(card: Card): void {
  expect(Object.keys(card).sort()).toEqual(['body', 'config', 'header', 'schema']);
  expect(card.schema).toBe('2.0');
  expect(card.config).toEqual({ update_multi: true });
  expect(Object.keys(card.header).sort()).toEqual(['subtitle', 'template', 'title']);
  for (const text of [card.header.title, card.header.subtitle]) {
    expect(Object.keys(text).sort()).toEqual(['content', 'tag']);
    expect(text.tag).toBe('plain_text');
    expect(text.content.length).toBeGreaterThan(0);
  }
  expect(['blue', 'wathet', 'green', 'orange', 'red', 'grey']).toContain(card.header.template);
  expect(Object.keys(card.body)).toEqual(['elements']);
  expect(card.body.elements.length).toBeGreaterThan(0);
  const columns = card.body.elements.flatMap((element) => (element.tag === 'column_set' ? element.columns : []));
  for (const column of columns) expect(Object.keys(column).sort()).toEqual(['elements', 'tag', 'width']);
  for (const element of [...card.body.elements, ...columns.flatMap((column) => column.elements)]) {
    const allowed = ALLOWED_KEYS[element.tag];
    expect(allowed).toBeDefined();
    expect(Object.keys(element).every((key) => allowed?.includes(key))).toBe(true);
    if (element.tag === 'div' || element.tag === 'button') {
      expect(Object.keys(element.text).sort()).toEqual(['content', 'tag']);
      expect(element.text.tag).toBe('plain_text');
    }
    if (element.tag === 'button') {
      for (const behavior of element.behaviors) {
        const keys = Object.keys(behavior).sort();
        expect(keys).toEqual(behavior.type === 'open_url' ? ['default_url', 'type'] : ['type', 'value']);
      }
    }
  }
}

function buttons(card: Card) {
  return card.body.elements
    .flatMap((element) =>
      element.tag === 'column_set' ? element.columns.flatMap((column) => column.elements) : [element],
    )
    .filter((element) => element.tag === 'button');
}

function visibleText(card: Card): string {
  return JSON.stringify(card);
}

const hasChinese = (text: string) => /[\u4e00-\u9fff]/.test(text);

describe('auth cards', () => {
  describe.each(LOCALES)('every card in %s', (locale) => {
    const cards = allCards(locale);

    it.each(Object.keys(cards))('%s is a JSON 2.0 card with update_multi and only known properties', (name) => {
      expectOnlyKnownProperties(cards[name] as Card);
    });

    it('stays well under 30 KB', () => {
      for (const card of Object.values(cards)) {
        expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(30 * 1024);
      }
    });

    it('contains nothing that looks like a token', () => {
      for (const card of Object.values(cards)) {
        const json = JSON.stringify(card).replace(AUTHORIZE_URL, '').replace(SESSION_ID, '');
        expect(json).not.toMatch(/\bu(r)?-[A-Za-z0-9_.-]{8,}/);
        expect(json).not.toMatch(/[A-Za-z0-9_-]{32,}/);
        expect(json).not.toMatch(/token/i);
      }
    });

    it('is written in its language', () => {
      for (const card of Object.values(cards)) {
        expect(hasChinese(card.header.title.content)).toBe(locale === 'zh_cn');
      }
    });
  });

  it('defaults to zh_cn', () => {
    expect(declinedCard().header.title.content).toBe(zhCn.declined.title);
    expect(
      pendingCard({ sessionId: SESSION_ID, authorizeUrl: AUTHORIZE_URL, scopes: SCOPES, expiresAt: EXPIRES_AT }).header
        .title.content,
    ).toBe(zhCn.pending.title(undefined));
  });

  describe('pendingCard', () => {
    const build = (locale: Locale) =>
      pendingCard({
        sessionId: SESSION_ID,
        appName: 'Demo',
        authorizeUrl: AUTHORIZE_URL,
        scopes: [...SCOPES, 'custom:unknown.scope', 'offline_access'],
        expiresAt: EXPIRES_AT,
        locale,
      });

    it.each(LOCALES)('has an Authorize button opening exactly the authorize URL (%s)', (locale) => {
      const card = build(locale);
      const [authorize, decline] = buttons(card);
      expect(authorize?.type).toBe('primary_filled');
      expect(authorize?.text.content).toBe(cardTexts(locale).pending.authorize);
      expect(authorize?.behaviors).toEqual([{ type: 'open_url', default_url: AUTHORIZE_URL }]);
      expect(JSON.stringify(card).split(JSON.stringify(AUTHORIZE_URL).slice(1, -1))).toHaveLength(2);
      expect(decline?.text.content).toBe(cardTexts(locale).pending.decline);
      expect(decline?.behaviors).toEqual([{ type: 'callback', value: { action: 'decline', session: SESSION_ID } }]);
    });

    it.each(LOCALES)(
      'device flow: opens the verification page, shows the code large and the minutes left (%s)',
      (locale) => {
        const verify = 'https://accounts.feishu.cn/oauth/v1/device/verify?user_code=WDJB-MJHT';
        const card = pendingCard({
          sessionId: SESSION_ID,
          authorizeUrl: verify,
          scopes: SCOPES,
          expiresAt: EXPIRES_AT,
          locale,
          device: { userCode: 'WDJB-MJHT', minutesLeft: 4 },
        });
        const t = cardTexts(locale).pending;
        const [authorize, decline] = buttons(card);
        expect(authorize?.behaviors).toEqual([{ type: 'open_url', default_url: verify }]);
        expect(decline?.behaviors).toEqual([{ type: 'callback', value: { action: 'decline', session: SESSION_ID } }]);
        const text = JSON.stringify(card);
        expect(text).toContain(JSON.stringify({ tag: 'markdown', content: '# WDJB-MJHT' }));
        expect(text).toContain(JSON.stringify(t.device.expires(4)).slice(1, -1));
        expect(text).toContain(JSON.stringify(t.device.intro).slice(1, -1));
        expect(text).not.toContain(JSON.stringify(t.intro).slice(1, -1));
      },
    );

    it('describes each scope once in words, explains offline_access and shows unknown scopes as their code', () => {
      const zh = visibleText(build('zh_cn'));
      expect(zh).toContain(describeScope('contact:user.base:readonly', 'zh_cn'));
      expect(zh).not.toContain('contact:user.base:readonly');
      expect(zh).toContain('直到你撤销授权');
      expect(zh).toContain('custom:unknown.scope');
      expect(zh.split(describeScope('offline_access', 'zh_cn'))).toHaveLength(2);
      const en = visibleText(build('en_us'));
      expect(en).toContain('Keep access without asking again until you revoke it');
      expect(en).toContain('custom:unknown.scope');
    });

    it('puts Authorize and Decline side by side', () => {
      const row = build('en_us').body.elements.find((element) => element.tag === 'column_set');
      expect(row?.tag === 'column_set' && row.columns.map((column) => column.elements[0]?.text.content)).toEqual([
        'Authorize',
        'Decline',
      ]);
    });

    it('says who is authorized already, and why it asks again', () => {
      const card = pendingCard({
        sessionId: SESSION_ID,
        authorizeUrl: AUTHORIZE_URL,
        scopes: SCOPES,
        expiresAt: EXPIRES_AT,
        locale: 'en_us',
        replaces: 'Ada **Lovelace**',
        reauthReason: 'expired',
      });
      const text = visibleText(card);
      expect(text).toContain(enUs.pending.reauthReasons.expired);
      const replaced = card.body.elements.find((element) => JSON.stringify(element).includes('Ada **Lovelace**'));
      expect(replaced).toEqual({
        tag: 'div',
        text: { tag: 'plain_text', content: enUs.pending.replaces('Ada **Lovelace**') },
      });
      expect(visibleText(build('en_us'))).not.toContain('authorized already');
    });

    it('names the expiry time with its zone', () => {
      expect(visibleText(build('zh_cn'))).toContain('2025-01-02 15:04（北京时间）');
      expect(visibleText(build('en_us'))).toContain('2025-01-02 07:04 UTC');
    });

    it('puts the app name in the title', () => {
      expect(build('zh_cn').header.title.content).toContain('Demo');
      expect(build('en_us').header.title.content).toBe('Authorize Demo');
    });
  });

  describe('authorizedCard', () => {
    it('is green and says who, what, and that access lasts until revoked, renewed by itself', () => {
      const card = authorizedCard({ name: 'Ada', scopes: SCOPES, ...LASTING, locale: 'en_us' });
      expect(card.header.template).toBe('green');
      const text = visibleText(card);
      expect(text).toContain('Account: Ada');
      expect(text).toContain(describeScope('contact:user.base:readonly', 'en_us'));
      expect(text).toContain(enUs.keepsAccess);
      expect(text).toContain('2025-01-09 07:04 UTC');
      expect(text).not.toContain('2025-01-02 07:04 UTC');
    });

    it('says when access ends when there is no refresh token to renew it', () => {
      const text = visibleText(authorizedCard({ name: 'Ada', scopes: SCOPES, ...SHORT, locale: 'zh_cn' }));
      expect(text).not.toContain(zhCn.keepsAccess);
      expect(text).toContain(zhCn.accessEnds('2025-01-02 15:04（北京时间）'));
    });

    it('keeps a user-controlled name out of markdown', () => {
      const name = '**boss** <at id=all></at> [x](https://evil.example)';
      const card = authorizedCard({ name, scopes: [], ...LASTING });
      const holders = card.body.elements.filter((element) => JSON.stringify(element).includes('<at id=all>'));
      expect(holders).toEqual([{ tag: 'div', text: { tag: 'plain_text', content: zhCn.account(name) } }]);
    });

    it('omits the account line when the name is empty', () => {
      const card = authorizedCard({ name: ' ', scopes: SCOPES, ...LASTING, locale: 'en_us' });
      expect(visibleText(card)).not.toContain('Account:');
    });
  });

  describe('terminal cards', () => {
    it.each(LOCALES)('expired card says to send login / 授权 again (%s)', (locale) => {
      const text = visibleText(expiredCard({ locale }));
      expect(text).toContain('login');
      expect(text).toContain('授权');
    });

    it('failed card is red, explains known reasons, shows unknown ones as code and hints a retry', () => {
      const known = failedCard({ reason: 'identity_mismatch', locale: 'en_us' });
      expect(known.header.template).toBe('red');
      expect(visibleText(known)).toContain(enUs.failed.reasons.identity_mismatch);
      expect(visibleText(known)).toContain(enUs.failed.retry);
      const unknown = failedCard({ reason: 'weird_case', locale: 'zh_cn' });
      expect(visibleText(unknown)).toContain('原因：weird_case');
      expect(visibleText(unknown)).toContain(zhCn.failed.retry);
      expect(visibleText(failedCard({ reason: 'toString' }))).toContain('原因：toString');
    });

    it('superseded card is grey and says a newer request replaced it', () => {
      const card = supersededCard({ locale: 'en_us' });
      expect(card.header.template).toBe('grey');
      expect(visibleText(card)).toContain('newer');
    });

    it('declined and logged-out cards have no buttons', () => {
      for (const card of [declinedCard(), loggedOutCard({ locale: 'en_us' }), expiredCard()]) {
        expect(buttons(card)).toEqual([]);
      }
    });
  });

  describe('statusCard', () => {
    it('says when nothing is authorized', () => {
      const card = notAuthorizedCard({ locale: 'en_us' });
      expect(card.header.subtitle.content).toBe('Not authorized');
      expect(visibleText(card)).toContain('login');
    });

    it('shows an active grant in green with its validity', () => {
      const card = statusCard({ name: '张三', scopes: SCOPES, ...LASTING, locale: 'zh_cn' });
      expect(card.header.template).toBe('green');
      expect(card.header.subtitle.content).toBe('已授权');
      expect(visibleText(card)).toContain('授权账号：张三');
      expect(visibleText(card)).toContain(zhCn.keepsAccess);
      expect(visibleText(card)).toContain('2025-01-09 15:04（北京时间）');
    });

    it('asks to authorize again when the grant is gone', () => {
      const card = reauthRequiredStatusCard({ name: 'Ada', scopes: SCOPES, locale: 'en_us' });
      expect(card.header.template).toBe('orange');
      expect(visibleText(card)).toContain(enUs.status.reauthRequired);
    });

    it('says a logged-out grant was revoked', () => {
      const card = revokedStatusCard({ name: 'Ada', scopes: SCOPES, locale: 'en_us' });
      expect(card.header.template).toBe('grey');
      expect(visibleText(card)).toContain(enUs.status.invalidated);
    });
  });

  it.each(LOCALES)('help card lists the three DM commands in both spellings (%s)', (locale) => {
    const text = visibleText(helpCard({ locale }));
    for (const command of ['授权', 'login', '状态', 'status', '取消授权', 'logout']) expect(text).toContain(command);
  });

  it('stays under 30 KB with 50 long scopes and a long app name', () => {
    const scopes = Array.from({ length: 50 }, (_, i) => `some:very.long.unknown.scope.name.number.${i}:readonly`);
    const card = pendingCard({
      sessionId: SESSION_ID,
      appName: 'A'.repeat(200),
      authorizeUrl: `${AUTHORIZE_URL}&scope=${scopes.join('%20')}`,
      scopes,
      expiresAt: EXPIRES_AT,
    });
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(30 * 1024);
  });

  describe('callback responses', () => {
    it('builds toasts', () => {
      expect(toast('success', 'ok')).toEqual({ type: 'success', content: 'ok' });
    });

    it('wraps a card as raw data, with or without a toast', () => {
      const card = declinedCard();
      expect(cardResponse(card, toast('info', zhCn.toasts.declined))).toEqual({
        toast: { type: 'info', content: '已拒绝授权' },
        card: { type: 'raw', data: card },
      });
      const bare = cardResponse(card);
      expect(bare).toEqual({ card: { type: 'raw', data: card } });
      expect('toast' in bare).toBe(false);
    });
  });

  describe('texts', () => {
    const shape = (value: unknown): unknown =>
      typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]))
        : typeof value;

    it('has the same keys in both languages', () => {
      expect(shape(enUs)).toEqual(shape(zhCn));
    });

    it('formats times in the locale zone across a date boundary', () => {
      const lateUtc = new Date('2024-12-31T20:30:00Z');
      expect(formatTime(lateUtc, zhCn)).toBe('2025-01-01 04:30（北京时间）');
      expect(formatTime(lateUtc, enUs)).toBe('2024-12-31 20:30 UTC');
      expect(formatTime(new Date('2025-06-01T00:05:00Z'), enUs)).toBe('2025-06-01 00:05 UTC');
    });
  });
});

describe('describeScope', () => {
  it('describes known scopes and returns unknown ones unchanged', () => {
    expect(describeScope('offline_access', 'en_us')).toBe('Keep access without asking again until you revoke it');
    expect(describeScope('offline_access', 'zh_cn')).toContain('撤销授权');
    expect(describeScope('im:unknown', 'zh_cn')).toBe('im:unknown');
    expect(describeScope('constructor', 'en_us')).toBe('constructor');
  });
});
