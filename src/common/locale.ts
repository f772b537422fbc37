/** The languages of cards and result pages, in Feishu's spelling (the card i18n keys). */
export const LOCALES = ['zh_cn', 'en_us'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh_cn';

const HTML_LANG: Readonly<Record<Locale, string>> = { zh_cn: 'zh-CN', en_us: 'en-US' };

/** The BCP 47 tag of a locale, for `<html lang>` and Accept-Language. */
export function htmlLang(locale: Locale): string {
  return HTML_LANG[locale];
}

/** The best locale for an Accept-Language header, honouring q-values; undefined when nothing matches. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .map((entry, index) => {
      const [tag = '', ...params] = entry.trim().split(';');
      const q = params.map((param) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param)?.[1]).find((value) => value);
      const weight = q === undefined ? 1 : Number(q);
      return { tag: tag.trim().toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((range) => range.tag && range.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranges) {
    const primary = tag.split('-')[0];
    if (primary === 'zh') return 'zh_cn';
    if (primary === 'en') return 'en_us';
    if (tag === '*') return undefined;
  }
  return undefined;
}

/** Chinese when the text has Han characters (or is empty), English otherwise. */
export function guessLocale(text: string): Locale {
  return /[\u4e00-\u9fff]/.test(text) || text.length === 0 ? 'zh_cn' : 'en_us';
}
