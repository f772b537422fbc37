import { guessLocale, htmlLang, localeFromAcceptLanguage } from './locale';

describe('localeFromAcceptLanguage', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['en-US,en;q=0.9', 'en_us'],
    ['en', 'en_us'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh_cn'],
    ['zh-TW', 'zh_cn'],
    ['zh-CN;q=0.5, en-GB;q=0.8', 'en_us'],
    ['en;q=0.4, zh;q=0.6', 'zh_cn'],
    ['fr-FR, en;q=0.5', 'en_us'],
    ['fr-FR, de;q=0.5', undefined],
    ['en;q=0, zh;q=0.1', 'zh_cn'],
    ['en;q=0', undefined],
    ['*', undefined],
    ['fr, *;q=0.5, en;q=0.1', undefined],
    [' EN-us ; q=1 ', 'en_us'],
    [',,;q=,garbage;;', undefined],
  ])('%j → %s', (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });
});

describe('htmlLang', () => {
  it('maps Feishu locales to BCP 47 tags', () => {
    expect(htmlLang('zh_cn')).toBe('zh-CN');
    expect(htmlLang('en_us')).toBe('en-US');
  });
});

describe('guessLocale', () => {
  it('answers Chinese text (or nothing) in Chinese and the rest in English', () => {
    expect(guessLocale('你好')).toBe('zh_cn');
    expect(guessLocale('')).toBe('zh_cn');
    expect(guessLocale('hello')).toBe('en_us');
  });
});
