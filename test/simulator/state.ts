import { hex, newChatId, newOpenId, newUnionId, newUserId } from './ids';

export interface SimUser {
  openId: string;
  unionId: string;
  userId: string;
  name: string;
}

export interface SimConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  codeTtlSeconds: number;
  /** Token endpoint budget per second; 0 disables the limit. */
  tokenRatePerSecond: number;
  /** Absolute lifetime of a grant (Feishu: 365 days), after which refresh answers 20037. */
  grantMaxAgeSeconds: number;
  messageRatePerUser: number;
  patchRatePerMessage: number;
  messageUpdateWindowSeconds: number;
  wsPingInterval: number;
  wsReconnectInterval: number;
  wsReconnectNonce: number;
  wsReconnectCount: number;
  wsChunkSize: number;
  ackTimeoutMs: number;
}

export const DEFAULT_CONFIG: SimConfig = {
  accessTokenTtlSeconds: 7200,
  refreshTokenTtlSeconds: 604800,
  codeTtlSeconds: 300,
  tokenRatePerSecond: 50,
  grantMaxAgeSeconds: 365 * 86400,
  messageRatePerUser: 5,
  patchRatePerMessage: 5,
  messageUpdateWindowSeconds: 14 * 86400,
  wsPingInterval: 10,
  wsReconnectInterval: 1,
  wsReconnectNonce: 0.5,
  wsReconnectCount: -1,
  wsChunkSize: 16 * 1024,
  ackTimeoutMs: 3000,
};

export interface SimStats {
  tokenRequests: { authorization_code: number; refresh_token: number };
  tokenRequestsPerSecondMax: number;
  refreshTokenReuse: number;
  codeReuse: number;
  userInfoRequests: number;
  messagesCreated: number;
  messagesPatched: number;
  wsEventsSent: number;
  wsEventsAcked: number;
}

export interface MessageUpdate {
  at: string;
  content: unknown;
  source: 'patch' | 'callback';
}

export interface SimMessage {
  messageId: string;
  openId: string;
  chatId: string;
  msgType: string;
  content: unknown;
  createdAt: number;
  /** Creation order across bot and user messages (timestamps can tie). */
  seq: number;
  updates: MessageUpdate[];
}

/** A DM the user sent to the bot (shown on the chat page; not listed by /_sim/messages). */
export interface UserMessage {
  messageId: string;
  openId: string;
  text: string;
  createdAt: number;
  seq: number;
  delivery: 'pending' | 'acked' | 'unacked' | 'failed';
}

export interface SimApp {
  appId: string;
  appSecret: string;
  name: string;
  tenantKey: string;
  verificationToken: string;
  redirectUris: Set<string>;
}

export function emptyStats(): SimStats {
  return {
    tokenRequests: { authorization_code: 0, refresh_token: 0 },
    tokenRequestsPerSecondMax: 0,
    refreshTokenReuse: 0,
    codeReuse: 0,
    userInfoRequests: 0,
    messagesCreated: 0,
    messagesPatched: 0,
    wsEventsSent: 0,
    wsEventsAcked: 0,
  };
}

export class SimState {
  readonly config: SimConfig = { ...DEFAULT_CONFIG };
  stats: SimStats = emptyStats();
  readonly users = new Map<string, SimUser>();
  readonly chatIds = new Map<string, string>();
  readonly messages = new Map<string, SimMessage>();
  readonly userMessages: UserMessage[] = [];
  private clockOffsetMs = 0;
  private lastSeq = 0;

  constructor(readonly app: SimApp) {}

  /** Simulated wall clock in ms: real time plus whatever /_sim/clock advanced. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  nextSeq(): number {
    return ++this.lastSeq;
  }

  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  createUser(name: string, openId?: string): SimUser {
    const existing = openId ? this.users.get(openId) : undefined;
    if (existing) return existing;
    const user: SimUser = { openId: openId ?? newOpenId(), unionId: newUnionId(), userId: newUserId(), name };
    this.users.set(user.openId, user);
    this.chatIds.set(user.openId, newChatId());
    return user;
  }

  chatIdOf(openId: string): string {
    return this.chatIds.get(openId) ?? '';
  }

  findUser(idType: string, id: string): SimUser | undefined {
    if (idType === 'open_id') return this.users.get(id);
    for (const user of this.users.values()) {
      if (idType === 'union_id' && user.unionId === id) return user;
      if (idType === 'user_id' && user.userId === id) return user;
      if (idType === 'chat_id' && this.chatIdOf(user.openId) === id) return user;
    }
    return undefined;
  }

  /** The bot's messages to a user (all users when openId is absent), newest first. */
  messagesFor(openId?: string): SimMessage[] {
    return [...this.messages.values()]
      .filter((m) => openId === undefined || m.openId === openId)
      .sort((a, b) => b.seq - a.seq);
  }

  applyUpdate(message: SimMessage, content: unknown, source: MessageUpdate['source']): void {
    message.content = content;
    message.updates.push({ at: this.isoNow(), content, source });
  }
}

export function newApp(appId: string, appSecret: string, name: string, redirectUris: string[]): SimApp {
  return {
    appId,
    appSecret,
    name,
    tenantKey: hex(16),
    verificationToken: hex(32),
    redirectUris: new Set(redirectUris),
  };
}

export function publicMessage(message: SimMessage): Record<string, unknown> {
  return {
    messageId: message.messageId,
    openId: message.openId,
    chatId: message.chatId,
    msgType: message.msgType,
    content: message.content,
    createTime: new Date(message.createdAt).toISOString(),
    updates: message.updates,
  };
}
