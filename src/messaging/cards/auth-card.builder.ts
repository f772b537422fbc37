import { describeScope } from './scope-descriptions';
import { enUs } from './texts.en_us';
import { CardTexts, zhCn } from './texts.zh_cn';

// Feishu card JSON 2.0 rejects unknown properties, so these types list only what the cards use.
export type CardLocale = 'zh_cn' | 'en_us';
export const DEFAULT_CARD_LOCALE: CardLocale = 'zh_cn';

export interface PlainText {
  tag: 'plain_text';
  content: string;
}
export interface MarkdownElement {
  tag: 'markdown';
  content: string;
}
/** For text that comes from outside (names, scope codes): plain_text is never parsed as markdown. */
export interface DivElement {
  tag: 'div';
  text: PlainText;
}
export interface HrElement {
  tag: 'hr';
}
export type ButtonBehavior =
  { type: 'open_url'; default_url: string } | { type: 'callback'; value: DeclineActionValue };
export interface ButtonElement {
  tag: 'button';
  text: PlainText;
  type: 'primary_filled' | 'default';
  behaviors: ButtonBehavior[];
}
export type CardElement = MarkdownElement | DivElement | HrElement | ButtonElement;
export type HeaderTemplate = 'blue' | 'wathet' | 'green' | 'orange' | 'red' | 'grey';

export interface Card {
  schema: '2.0';
  config: { update_multi: true };
  header: { title: PlainText; subtitle: PlainText; template: HeaderTemplate };
  body: { elements: CardElement[] };
}

export const DECLINE_ACTION = 'decline';
/** What the Decline button sends back as `event.action.value`. */
export interface DeclineActionValue {
  action: typeof DECLINE_ACTION;
  session: string;
}

export type ToastKind = 'info' | 'success' | 'error' | 'warning';
export interface Toast {
  type: ToastKind;
  content: string;
}
/** The body answering a card.action.trigger callback (feishu-api.md §4.2). */
export interface CardCallbackResponse {
  toast?: Toast;
  card: { type: 'raw'; data: Card };
}

export type TokenStatus = 'active' | 'reauth_required' | 'invalidated';

export interface PendingCardInput {
  sessionId: string;
  appName?: string;
  authorizeUrl: string;
  scopes: readonly string[];
  expiresAt: Date;
  locale?: CardLocale;
}
export interface AuthorizedCardInput {
  name: string;
  scopes: readonly string[];
  validUntil?: Date | null;
  locale?: CardLocale;
}
export interface LocaleInput {
  locale?: CardLocale;
}
export interface FailedCardInput extends LocaleInput {
  reason: string;
}
export interface StatusCardInput extends LocaleInput {
  authorized: { name: string; scopes: readonly string[]; validUntil: Date | null; status: TokenStatus } | null;
}

const TEXTS: Record<CardLocale, CardTexts> = { zh_cn: zhCn, en_us: enUs };
const STATUS_TEMPLATES: Record<TokenStatus, HeaderTemplate> = {
  active: 'green',
  reauth_required: 'orange',
  invalidated: 'grey',
};

export function cardTexts(locale: CardLocale = DEFAULT_CARD_LOCALE): CardTexts {
  return TEXTS[locale];
}

export function pendingCard(input: PendingCardInput): Card {
  const locale = input.locale ?? DEFAULT_CARD_LOCALE;
  const t = cardTexts(locale);
  return card(t.pending.title(input.appName), t.pending.subtitle, 'blue', [
    markdown(t.pending.intro),
    ...scopeList(t.permissionsHeading, input.scopes, locale),
    markdown(t.pending.expires(formatTime(input.expiresAt, t))),
    {
      tag: 'button',
      text: plain(t.pending.authorize),
      type: 'primary_filled',
      behaviors: [{ type: 'open_url', default_url: input.authorizeUrl }],
    },
    {
      tag: 'button',
      text: plain(t.pending.decline),
      type: 'default',
      behaviors: [{ type: 'callback', value: { action: DECLINE_ACTION, session: input.sessionId } }],
    },
    markdown(t.pending.notYou),
  ]);
}

export function authorizedCard(input: AuthorizedCardInput): Card {
  const locale = input.locale ?? DEFAULT_CARD_LOCALE;
  const t = cardTexts(locale);
  return card(t.authorized.title, t.authorized.subtitle, 'green', [
    ...accountLine(input.name, t),
    ...scopeList(t.grantedHeading, input.scopes, locale),
    ...(input.validUntil ? [markdown(t.authorized.validUntil(formatTime(input.validUntil, t)))] : []),
    markdown(t.authorized.revokeHint),
  ]);
}

export function declinedCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).declined;
  return card(t.title, t.subtitle, 'grey', [markdown(t.body)]);
}

export function expiredCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).expired;
  return card(t.title, t.subtitle, 'orange', [markdown(t.body)]);
}

export function failedCard({ reason, locale }: FailedCardInput): Card {
  const t = cardTexts(locale).failed;
  const known = Object.hasOwn(t.reasons, reason) ? t.reasons[reason as keyof typeof t.reasons] : undefined;
  return card(t.title, t.subtitle, 'red', [text(known ?? t.unknownReason(reason)), markdown(t.retry)]);
}

export function supersededCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).superseded;
  return card(t.title, t.subtitle, 'grey', [markdown(t.body)]);
}

export function loggedOutCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).loggedOut;
  return card(t.title, t.subtitle, 'grey', [markdown(t.body)]);
}

export function statusCard({ authorized, locale = DEFAULT_CARD_LOCALE }: StatusCardInput): Card {
  const t = cardTexts(locale);
  if (!authorized) {
    return card(t.status.title, t.status.notAuthorizedSubtitle, 'grey', [markdown(t.status.notAuthorized)]);
  }
  const footer: Record<TokenStatus, CardElement[]> = {
    active: authorized.validUntil ? [markdown(t.status.validUntil(formatTime(authorized.validUntil, t)))] : [],
    reauth_required: [markdown(t.status.reauthRequired)],
    invalidated: [markdown(t.status.invalidated)],
  };
  return card(t.status.title, t.status.subtitles[authorized.status], STATUS_TEMPLATES[authorized.status], [
    ...accountLine(authorized.name, t),
    ...scopeList(t.grantedHeading, authorized.scopes, locale),
    ...footer[authorized.status],
  ]);
}

export function helpCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).help;
  return card(t.title, t.subtitle, 'wathet', [markdown(t.commands)]);
}

export function toast(kind: ToastKind, content: string): Toast {
  return { type: kind, content };
}

export function cardResponse(data: Card, withToast?: Toast): CardCallbackResponse {
  return withToast ? { toast: withToast, card: { type: 'raw', data } } : { card: { type: 'raw', data } };
}

/** `YYYY-MM-DD HH:mm` in the locale's zone, with the zone named by the texts. */
export function formatTime(date: Date, t: CardTexts): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: t.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return t.at(`${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`);
}

function card(title: string, subtitle: string, template: HeaderTemplate, elements: CardElement[]): Card {
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: plain(title), subtitle: plain(subtitle), template },
    body: { elements },
  };
}

function plain(content: string): PlainText {
  return { tag: 'plain_text', content };
}

function markdown(content: string): MarkdownElement {
  return { tag: 'markdown', content };
}

function text(content: string): DivElement {
  return { tag: 'div', text: plain(content) };
}

function accountLine(name: string, t: CardTexts): CardElement[] {
  return name.trim() ? [text(t.account(name.trim()))] : [];
}

function scopeList(heading: string, scopes: readonly string[], locale: CardLocale): CardElement[] {
  const unique = [...new Set(scopes)];
  if (unique.length === 0) return [];
  return [markdown(heading), text(unique.map((scope) => `• ${describeScope(scope, locale)}`).join('\n'))];
}
