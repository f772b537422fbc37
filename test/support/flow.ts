import { SimControlClient, SimMessageView } from '../simulator';
import { waitFor } from '../simulator/test-kit';

/** The open_url of the card's Authorize button (the first button that opens a URL). */
export function authorizeUrlOf(message: SimMessageView): string {
  const elements = ((message.content.body as { elements?: unknown[] } | undefined)?.elements ?? []) as Array<{
    tag?: string;
    behaviors?: Array<{ type?: string; default_url?: string }>;
  }>;
  for (const element of elements) {
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
export async function dmAndWaitForCard(control: SimControlClient, openId: string, text: string): Promise<SimMessageView> {
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

export async function openPage(url: string, acceptLanguage = 'en-US'): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(url, { redirect: 'manual', headers: { 'accept-language': acceptLanguage } });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

export async function messageById(control: SimControlClient, openId: string, messageId: string): Promise<SimMessageView> {
  const message = (await control.messages(openId)).find((candidate) => candidate.messageId === messageId);
  if (!message) throw new Error(`message ${messageId} not found`);
  return message;
}
