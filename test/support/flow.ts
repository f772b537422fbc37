import { SimControlClient, SimMessageView, SimUser } from '../simulator';
import type { Harness } from './app-harness';
import { waitFor } from '../simulator/test-kit';

interface CardElementView {
  tag?: string;
  columns?: Array<{ elements?: CardElementView[] }>;
  behaviors?: Array<{ type?: string; default_url?: string; value?: { action: string; session: string } }>;
}

/** The card's elements, with those inside column sets (buttons side by side) in reading order. */
function elementsOf(message: SimMessageView): CardElementView[] {
  const top = ((message.content.body as { elements?: unknown[] } | undefined)?.elements ?? []) as CardElementView[];
  return top.flatMap((element) =>
    element.tag === 'column_set' ? (element.columns ?? []).flatMap((column) => column.elements ?? []) : [element],
  );
}

/** The open_url of the card's Authorize button (the first button that opens a URL). */
export function authorizeUrlOf(message: SimMessageView): string {
  for (const element of elementsOf(message)) {
    const url = element.behaviors?.find((behavior) => behavior.type === 'open_url')?.default_url;
    if (element.tag === 'button' && url) return url;
  }
  throw new Error(`message ${message.messageId} has no Authorize button`);
}

export function headerTitle(message: SimMessageView): string {
  return String((message.content.header as { title?: { content?: string } } | undefined)?.title?.content ?? '');
}

export function headerTemplate(message: SimMessageView): string {
  return String((message.content.header as { template?: string } | undefined)?.template ?? '');
}

/** Sends a DM and waits for a new card from the bot; returns that card. */
export async function dmAndWaitForCard(
  control: SimControlClient,
  openId: string,
  text: string,
): Promise<SimMessageView> {
  const before = new Set((await control.messages(openId)).map((message) => message.messageId));
  const reply = await control.userMessage(openId, text);
  if (reply.status >= 300) throw new Error(`/_sim/user-messages answered ${reply.status}`);
  let card: SimMessageView | undefined;
  await waitFor(
    async () => {
      card = (await control.messages(openId)).find((message) => !before.has(message.messageId));
      return card !== undefined;
    },
    10_000,
    'a card from the bot',
  );
  return card as SimMessageView;
}

/** What the user's browser does on the consent page: approve or deny, then the redirect target. */
export async function consent(
  control: SimControlClient,
  openId: string,
  authorizeUrl: string,
  decision: 'approve' | 'deny' = 'approve',
): Promise<string> {
  const query = new URLSearchParams({ openId, decision, url: authorizeUrl });
  const reply = await control.call<{ location?: string }>('GET', `/_sim/authorize-as?${query}`);
  if (!reply.body.location) throw new Error(`authorize-as answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body.location;
}

export async function openPage(
  url: string,
  acceptLanguage = 'en-US',
): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(url, { redirect: 'manual', headers: { 'accept-language': acceptLanguage } });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

export async function messageById(
  control: SimControlClient,
  openId: string,
  messageId: string,
): Promise<SimMessageView> {
  const message = (await control.messages(openId)).find((candidate) => candidate.messageId === messageId);
  if (!message) throw new Error(`message ${messageId} not found`);
  return message;
}

/** The value the card's Decline button sends back (`{action:'decline', session}`). */
export function declineValueOf(message: SimMessageView): { action: string; session: string } {
  for (const element of elementsOf(message)) {
    const value = element.behaviors?.find((behavior) => behavior.type === 'callback')?.value;
    if (element.tag === 'button' && value) return value;
  }
  throw new Error(`message ${message.messageId} has no Decline button`);
}

/** GET /metrics as text. */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/**
 * The value of one sample in Prometheus text format: `name` with exactly these labels (none when omitted);
 * 0 when the sample is absent (a labelled counter that was never touched).
 */
export function metricValue(metrics: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of metrics.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    const wanted = Object.entries(labels);
    if (Object.keys(found).length === wanted.length && wanted.every(([key, value]) => found[key] === value)) {
      return Number(match[3]);
    }
  }
  return 0;
}

/** lark_service_auth_failure_total by reason. */
export function authFailures(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of metrics.matchAll(/^lark_service_auth_failure_total\{reason="(\w+)"\} (\S+)$/gm)) {
    counts[match[1] as string] = Number(match[2]);
  }
  return counts;
}

/** The reasons whose failure count changed between two scrapes, with the increase. */
export function authFailureIncrease(before: string, after: string): Record<string, number> {
  const start = authFailures(before);
  const increase: Record<string, number> = {};
  for (const [reason, count] of Object.entries(authFailures(after))) {
    if (count !== (start[reason] ?? 0)) increase[reason] = count - (start[reason] ?? 0);
  }
  return increase;
}

export interface StartedSession {
  user: SimUser;
  card: SimMessageView;
  authorizeUrl: string;
  state: string;
}

/** A new simulated user DMs `login` and gets a card. */
export async function startSession(h: Harness, name: string): Promise<StartedSession> {
  const user = await h.control.createUser(name);
  const card = await dmAndWaitForCard(h.control, user.openId, 'login');
  const authorizeUrl = authorizeUrlOf(card);
  return { user, card, authorizeUrl, state: new URL(authorizeUrl).searchParams.get('state') as string };
}

/** The user's one session, over the REST API. */
export async function onlySession(
  h: Harness,
  openId: string,
): Promise<{ id: string; status: string; reason: string | null }> {
  const list = await h.api('GET', `/api/v1/auth-sessions?openId=${openId}`);
  expect(list.status).toBe(200);
  expect(list.body).toHaveLength(1);
  return list.body[0];
}
