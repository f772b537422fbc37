import { fail, ok, Parsed, parseHttpUrl, quote } from './env-parsers';

export interface LarkDomain {
  openBaseUrl: string;
  /** Default consent-page host for this domain. */
  accountsBaseUrl: string;
}

export interface LarkEndpoints {
  openBaseUrl: string;
  accountsBaseUrl: string;
  tokenUrl: string;
}

export const FEISHU: LarkDomain = {
  openBaseUrl: 'https://open.feishu.cn',
  accountsBaseUrl: 'https://accounts.feishu.cn',
};
export const LARK: LarkDomain = {
  openBaseUrl: 'https://open.larksuite.com',
  accountsBaseUrl: 'https://accounts.larksuite.com',
};

export const TOKEN_PATH_V2 = '/open-apis/authen/v2/oauth/token';

const parseBaseUrl = parseHttpUrl({ base: true });

/** `feishu`, `lark` or an http(s) URL; the public open-platform URLs map to their named domain. */
export function parseLarkDomain(raw: string): Parsed<LarkDomain> {
  const word = raw.toLowerCase();
  if (word === 'feishu') return ok(FEISHU);
  if (word === 'lark') return ok(LARK);
  if (!/^https?:\/\//i.test(raw)) {
    const shown = /^[A-Za-z0-9_.-]{1,40}$/.test(raw) ? `${quote(raw)} ` : '';
    return fail(`${shown}is neither feishu, lark nor an http(s) URL`);
  }
  const url = parseBaseUrl(raw);
  if (!url.ok) return url;
  const known = [FEISHU, LARK].find((domain) => domain.openBaseUrl === url.value.toLowerCase());
  return ok(known ?? { openBaseUrl: url.value, accountsBaseUrl: url.value });
}

/** Explicit LARK_ACCOUNTS_URL / LARK_TOKEN_URL win; otherwise both derive from the domain. */
export function resolveLarkEndpoints(domain: LarkDomain, accountsUrl?: string, tokenUrl?: string): LarkEndpoints {
  return {
    openBaseUrl: domain.openBaseUrl,
    accountsBaseUrl: accountsUrl ?? domain.accountsBaseUrl,
    tokenUrl: tokenUrl ?? `${domain.openBaseUrl}${TOKEN_PATH_V2}`,
  };
}
