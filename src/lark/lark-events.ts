/** A DM (or group message) to the bot, normalized from im.message.receive_v1. */
export interface BotMessageEvent {
  /** The app the event was delivered to (header.app_id). */
  appId: string;
  eventId: string;
  messageId: string;
  chatId: string;
  chatType: string;
  openId: string;
  messageType: string;
  /** The text of a text message, trimmed; empty for other message types. */
  text: string;
}

/** A click on a callback button of one of our cards, normalized from card.action.trigger. */
export interface CardActionEvent {
  appId: string;
  eventId: string;
  openId: string;
  messageId: string | undefined;
  chatId: string | undefined;
  value: Record<string, unknown>;
}

/** What a card action answers: an optional toast and an optional replacement card (docs/feishu-api.md, card callbacks). */
export interface CardActionResponse {
  toast?: { type: 'info' | 'success' | 'error' | 'warning'; content: string; i18n?: Record<string, string> };
  card?: { type: 'raw'; data: object };
}

export type BotMessageHandler = (event: BotMessageEvent) => Promise<void>;
export type CardActionHandler = (event: CardActionEvent) => Promise<CardActionResponse>;

type Raw = Record<string, unknown>;
const asRecord = (value: unknown): Raw => (typeof value === 'object' && value !== null ? (value as Raw) : {});
const asString = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The SDK hands handlers header and event flattened into one object (docs/feishu-api.md, card callbacks). */
export function toBotMessageEvent(data: unknown): BotMessageEvent {
  const raw = asRecord(data);
  const message = asRecord(raw.message);
  const senderId = asRecord(asRecord(raw.sender).sender_id);
  const messageType = asString(message.message_type);
  let text = '';
  if (messageType === 'text') {
    try {
      text = asString(asRecord(JSON.parse(asString(message.content))).text).trim();
    } catch {
      text = '';
    }
  }
  return {
    appId: asString(raw.app_id),
    eventId: asString(raw.event_id),
    messageId: asString(message.message_id),
    chatId: asString(message.chat_id),
    chatType: asString(message.chat_type),
    openId: asString(senderId.open_id),
    messageType,
    text,
  };
}

export function toCardActionEvent(data: unknown): CardActionEvent {
  const raw = asRecord(data);
  const context = asRecord(raw.context);
  const value = asRecord(raw.action).value;
  return {
    appId: asString(raw.app_id),
    eventId: asString(raw.event_id),
    openId: asString(asRecord(raw.operator).open_id),
    messageId: asString(context.open_message_id) || undefined,
    chatId: asString(context.open_chat_id) || undefined,
    value: typeof value === 'string' ? parseValue(value) : asRecord(value),
  };
}

function parseValue(value: string): Raw {
  try {
    return asRecord(JSON.parse(value));
  } catch {
    return { value };
  }
}
