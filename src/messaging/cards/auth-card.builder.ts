import { DEFAULT_LOCALE, Locale } from '../../common/locale';
import { describeScope } from './scope-descriptions';
import { enUs } from './texts.en_us';
import { CardTexts, zhCn } from './texts.zh_cn';

// Feishu card JSON 2.0 rejects unknown properties, so these types list only what the cards use.

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
/** Buttons side by side: one column each. */
export interface ColumnSetElement {
  tag: 'column_set';
  flex_mode: 'none';
  horizontal_spacing: 'default';
  columns: Array<{ tag: 'column'; width: 'auto'; elements: ButtonElement[] }>;
}
export type CardElement = MarkdownElement | DivElement | HrElement | ButtonElement | ColumnSetElement;
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
  /** Feishu shows the entry of the reader's client language, `content` otherwise. */
  i18n?: Record<Locale, string>;
}
/** The body answering a card.action.trigger callback (docs/feishu-api.md, card callbacks). */
export interface CardCallbackResponse {
  toast?: Toast;
  card: { type: 'raw'; data: Card };
}

/** Why a re-authorization card came (the wording is in the card texts). */
export type ReauthorizationReason = keyof CardTexts['pending']['reauthReasons'];

export interface PendingCardInput {
  sessionId: string;
  appName?: string;
  authorizeUrl: string;
  scopes: readonly string[];
  expiresAt: Date;
  locale?: Locale;
  /** The name of whoever is authorized now: going on replaces that authorization. */
  replaces?: string;
  /** Set when the card asks again because an earlier authorization ended. */
  reauthReason?: ReauthorizationReason;
  /** The device flow: `authorizeUrl` is the verification page, and the card shows the code it asks for. */
  device?: { userCode: string; minutesLeft: number };
}
/** How long access lasts: until revoked (renewed with a refresh token), or until the access token expires. */
export interface AccessTerm {
  accessExpiresAt: Date;
  /** Expiry of the refresh token; null when the grant has none (no offline_access). */
  refreshExpiresAt: Date | null;
}
export interface AuthorizedCardInput extends AccessTerm {
  name: string;
  scopes: readonly string[];
  locale?: Locale;
}
export interface LocaleInput {
  locale?: Locale;
}
export interface FailedCardInput extends LocaleInput {
  reason: string;
}
/** What a status card shows about a stored grant. */
export interface GrantSummary extends LocaleInput {
  name: string;
  scopes: readonly string[];
}
export type ActiveGrantSummary = GrantSummary & AccessTerm;

const TEXTS: Record<Locale, CardTexts> = { zh_cn: zhCn, en_us: enUs };
export function cardTexts(locale: Locale = DEFAULT_LOCALE): CardTexts {
  return TEXTS[locale];
}

export function pendingCard(input: PendingCardInput): Card {
  const locale = input.locale ?? DEFAULT_LOCALE;
  const t = cardTexts(locale);
  return card(t.pending.title(input.appName), t.pending.subtitle, 'blue', [
    ...(input.reauthReason ? [markdown(t.pending.reauthReasons[input.reauthReason])] : []),
    markdown(input.device ? t.pending.device.intro : t.pending.intro),
    ...(input.replaces?.trim() ? [text(t.pending.replaces(input.replaces.trim()))] : []),
    ...scopeList(t.permissionsHeading, input.scopes, locale),
    ...(input.device
      ? [
          markdown(t.pending.device.code),
          // A heading: the largest type a card has. Feishu's user codes are letters, digits and a dash.
          markdown(`# ${input.device.userCode.replace(/[^A-Za-z0-9-]/g, '')}`),
          markdown(t.pending.device.expires(input.device.minutesLeft)),
        ]
      : [markdown(t.pending.expires(formatTime(input.expiresAt, t)))]),
    buttonRow([
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
    ]),
    markdown(t.pending.notYou),
  ]);
}

export function authorizedCard(input: AuthorizedCardInput): Card {
  const locale = input.locale ?? DEFAULT_LOCALE;
  const t = cardTexts(locale);
  return card(t.authorized.title, t.authorized.subtitle, 'green', [
    ...accountLine(input.name, t),
    ...scopeList(t.grantedHeading, input.scopes, locale),
    ...accessTermLines(input, t),
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

/** `logout` when nothing was authorized. */
export function nothingToLogOutCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).nothingToLogOut;
  return card(t.title, t.subtitle, 'grey', [markdown(t.body)]);
}

export function supersededCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).superseded;
  return card(t.title, t.subtitle, 'grey', [markdown(t.body)]);
}

export function loggedOutCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).loggedOut;
  return card(t.title, t.subtitle, 'grey', [markdown(t.body)]);
}

/** `status` when nothing was ever authorized. */
export function notAuthorizedCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale);
  return card(t.status.title, t.status.notAuthorizedSubtitle, 'grey', [markdown(t.status.notAuthorized)]);
}

/** `status` while the grant is active. */
export function statusCard(input: ActiveGrantSummary): Card {
  const locale = input.locale ?? DEFAULT_LOCALE;
  const t = cardTexts(locale);
  return card(t.status.title, t.status.subtitles.active, 'green', [
    ...accountLine(input.name, t),
    ...scopeList(t.grantedHeading, input.scopes, locale),
    ...accessTermLines(input, t),
  ]);
}

/** `status` after Feishu ended the grant (revoked, expired): the user has to authorize again. */
export function reauthRequiredStatusCard(input: GrantSummary): Card {
  const t = cardTexts(input.locale);
  return endedStatusCard(input, t.status.subtitles.reauth_required, 'orange', t.status.reauthRequired);
}

/** `status` after a logout. */
export function revokedStatusCard(input: GrantSummary): Card {
  const t = cardTexts(input.locale);
  return endedStatusCard(input, t.status.subtitles.invalidated, 'grey', t.status.invalidated);
}

function endedStatusCard(input: GrantSummary, subtitle: string, template: HeaderTemplate, why: string): Card {
  const locale = input.locale ?? DEFAULT_LOCALE;
  const t = cardTexts(locale);
  return card(t.status.title, subtitle, template, [
    ...accountLine(input.name, t),
    ...scopeList(t.grantedHeading, input.scopes, locale),
    markdown(why),
  ]);
}

export function helpCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).help;
  return card(t.title, t.subtitle, 'wathet', [markdown(t.commands)]);
}

/** `login` asked for scopes the app has not enabled in the developer console. */
export function scopeNotEnabledCard(input: { scopes: readonly string[]; consoleUrl: string } & LocaleInput): Card {
  const t = cardTexts(input.locale).scopeNotEnabled;
  const list = input.scopes.map((scope) => `- \`${scope}\``).join('\n');
  return card(t.title, t.subtitle, 'orange', [markdown(t.body(list)), markdown(t.admin(input.consoleUrl))]);
}

/** `login` on the device flow when Feishu issued no device code: nothing was created, the user may simply retry. */
export function authorizationUnavailableCard({ locale }: LocaleInput = {}): Card {
  const t = cardTexts(locale).authorizationUnavailable;
  return card(t.title, t.subtitle, 'orange', [markdown(t.body)]);
}

export function toast(kind: ToastKind, content: string): Toast {
  return { type: kind, content };
}

/** "Something went wrong" in every language, for a failure that happened before we knew the reader's language. */
export function failureToast(): Toast {
  return { type: 'error', content: zhCn.toasts.failed, i18n: { zh_cn: zhCn.toasts.failed, en_us: enUs.toasts.failed } };
}

export function cardResponse(data: Card, withToast?: Toast): CardCallbackResponse {
  return withToast ? { toast: withToast, card: { type: 'raw', data } } : { card: { type: 'raw', data } };
}

/** `YYYY-MM-DD HH:mm` in the locale's zone, with the zone named by the texts. */
export function formatTime(date: Date, t: CardTexts): string {
  const parts = formatterFor(t.timeZone).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return t.at(`${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`);
}

// Building an Intl.DateTimeFormat is costly; one per zone is kept.
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = FORMATTERS.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    FORMATTERS.set(timeZone, formatter);
  }
  return formatter;
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

function buttonRow(buttons: ButtonElement[]): ColumnSetElement {
  return {
    tag: 'column_set',
    flex_mode: 'none',
    horizontal_spacing: 'default',
    columns: buttons.map((button) => ({ tag: 'column', width: 'auto', elements: [button] })),
  };
}

/** Until revoked (renewed by itself), or until the access token runs out when there is nothing to renew with. */
function accessTermLines(term: AccessTerm, t: CardTexts): CardElement[] {
  if (!term.refreshExpiresAt) return [markdown(t.accessEnds(formatTime(term.accessExpiresAt, t)))];
  return [markdown(t.keepsAccess), markdown(t.renewalUntil(formatTime(term.refreshExpiresAt, t)))];
}

function accountLine(name: string, t: CardTexts): CardElement[] {
  return name.trim() ? [text(t.account(name.trim()))] : [];
}

function scopeList(heading: string, scopes: readonly string[], locale: Locale): CardElement[] {
  const unique = [...new Set(scopes)];
  if (unique.length === 0) return [];
  return [markdown(heading), text(unique.map((scope) => `• ${describeScope(scope, locale)}`).join('\n'))];
}
