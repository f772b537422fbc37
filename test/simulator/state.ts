import { derivedOpenId, hex, newChatId, newOpenId, newUnionId, newUserId } from './ids';
import { PeakRate } from './rate-limit';

/** A person as one app sees them: the open_id is the app's own, union_id and user_id are the same in every app. */
export interface SimUser {
  openId: string;
  unionId: string;
  userId: string;
  name: string;
}

/** What `createUser` and `POST /_sim/users` answer: `openId` is the open_id in the first app. */
export interface SimUserRecord extends SimUser {
  /** The person's open_id in each app, by app id. */
  openIds: Record<string, string>;
}

export type PersonStatus = 'active' | 'resigned' | 'frozen';
export const PERSON_STATUSES: readonly PersonStatus[] = ['active', 'resigned', 'frozen'];

/** One human, known to every app under a different open_id. */
export interface SimPerson {
  unionId: string;
  userId: string;
  name: string;
  status: PersonStatus;
  /** Apps whose bot this person blocked: message create answers 230053. */
  blockedApps: Set<string>;
  identities: Map<string, Identity>;
}

/** A person in one app: the pair an open_id stands for. */
export interface Identity {
  person: SimPerson;
  app: SimApp;
  openId: string;
  /** The p2p chat of this person with this app's bot. */
  chatId: string;
}

export interface SimConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  codeTtlSeconds: number;
  /** Token endpoint budget per second and app; 0 disables the limit. */
  tokenRatePerSecond: number;
  /** Absolute lifetime of a grant (Feishu: 365 days), after which refresh answers 20037. */
  grantMaxAgeSeconds: number;
  messageRatePerUser: number;
  patchRatePerMessage: number;
  /** Per app and API (message create, message patch); 0 disables the limit. */
  messageRatePerApp: number;
  messageUpdateWindowSeconds: number;
  wsPingInterval: number;
  wsReconnectInterval: number;
  wsReconnectNonce: number;
  wsReconnectCount: number;
  wsChunkSize: number;
  ackTimeoutMs: number;
  /** Share (0..1) of DM events delivered a second time with a new event_id and the same message_id. */
  duplicateEventRate: number;
  deviceCodeTtlSeconds: number;
  deviceIntervalSeconds: number;
}

export const DEFAULT_CONFIG: SimConfig = {
  accessTokenTtlSeconds: 7200,
  refreshTokenTtlSeconds: 604800,
  codeTtlSeconds: 300,
  tokenRatePerSecond: 50,
  grantMaxAgeSeconds: 365 * 86400,
  messageRatePerUser: 5,
  patchRatePerMessage: 5,
  messageRatePerApp: 50,
  messageUpdateWindowSeconds: 14 * 86400,
  wsPingInterval: 10,
  wsReconnectInterval: 1,
  wsReconnectNonce: 0.5,
  wsReconnectCount: -1,
  wsChunkSize: 16 * 1024,
  ackTimeoutMs: 3000,
  duplicateEventRate: 0,
  deviceCodeTtlSeconds: 240,
  deviceIntervalSeconds: 5,
};

export interface SimStats {
  tokenRequests: { authorization_code: number; refresh_token: number; device_code: number };
  tokenRequestsPerSecondMax: number;
  refreshTokenReuse: number;
  codeReuse: number;
  userInfoRequests: number;
  messagesCreated: number;
  messagesPatched: number;
  wsEventsSent: number;
  wsEventsAcked: number;
  wsEventsRedelivered: number;
  deviceAuthorizations: number;
  deviceSlowDowns: number;
}

export interface MessageUpdate {
  at: string;
  content: unknown;
  source: 'patch' | 'callback';
}

export interface SimMessage {
  messageId: string;
  appId: string;
  openId: string;
  chatId: string;
  msgType: string;
  content: unknown;
  createdAt: number;
  /** Creation order across bot and user messages (timestamps can tie). */
  seq: number;
  updates: MessageUpdate[];
  recalled: boolean;
  deleted: boolean;
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
  enabledScopes: Set<string>;
  /** Bumped by /_sim/tenant-tokens/revoke: tenant tokens signed with an older generation stop working. */
  tenantTokenGeneration: number;
  stats: SimStats;
  tokenPeak: PeakRate;
}

export interface AppOptions {
  appId: string;
  appSecret: string;
  name?: string;
  enabledScopes?: readonly string[];
  redirectUris?: readonly string[];
}

export function emptyStats(): SimStats {
  return {
    tokenRequests: { authorization_code: 0, refresh_token: 0, device_code: 0 },
    tokenRequestsPerSecondMax: 0,
    refreshTokenReuse: 0,
    codeReuse: 0,
    userInfoRequests: 0,
    messagesCreated: 0,
    messagesPatched: 0,
    wsEventsSent: 0,
    wsEventsAcked: 0,
    wsEventsRedelivered: 0,
    deviceAuthorizations: 0,
    deviceSlowDowns: 0,
  };
}

export function newApp(options: AppOptions, defaults: { scopes: readonly string[]; redirectUris: readonly string[] }) {
  const app: SimApp = {
    appId: options.appId,
    appSecret: options.appSecret,
    name: options.name ?? 'lark-card-auth',
    tenantKey: hex(16),
    verificationToken: hex(32),
    redirectUris: new Set(options.redirectUris ?? defaults.redirectUris),
    enabledScopes: new Set(options.enabledScopes ?? defaults.scopes),
    tenantTokenGeneration: 0,
    stats: emptyStats(),
    tokenPeak: new PeakRate(),
  };
  return app;
}

export class SimState {
  readonly config: SimConfig = { ...DEFAULT_CONFIG };
  readonly apps = new Map<string, SimApp>();
  readonly defaultApp: SimApp;
  readonly persons: SimPerson[] = [];
  readonly messages = new Map<string, SimMessage>();
  /** Requests that name no known app (wrong client_id, unknown token): counted here, summed into /_sim/stats. */
  otherStats: SimStats = emptyStats();
  /** Token requests of all apps together, for the all-apps `tokenRequestsPerSecondMax`. */
  readonly tokenPeak = new PeakRate();
  private readonly byOpenId = new Map<string, Identity>();
  private readonly byUnionId = new Map<string, SimPerson>();
  private readonly byUserId = new Map<string, SimPerson>();
  private readonly byChatId = new Map<string, Identity>();
  private readonly botMessages = new Map<string, SimMessage[]>();
  private readonly dms = new Map<string, UserMessage[]>();
  private clockOffsetMs = 0;
  private lastSeq = 0;

  constructor(apps: SimApp[]) {
    const [first] = apps;
    if (!first) throw new Error('the simulator needs at least one app');
    for (const app of apps) {
      if (this.apps.has(app.appId)) throw new Error(`app ${app.appId} is configured twice`);
      this.apps.set(app.appId, app);
    }
    this.defaultApp = first;
  }

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

  app(appId: string | undefined): SimApp | undefined {
    return appId === undefined ? undefined : this.apps.get(appId);
  }

  /** Where a request's counters go: its app, or `otherStats` when it names none. */
  statsOf(app: SimApp | undefined): SimStats {
    return app?.stats ?? this.otherStats;
  }

  createUser(name: string, openId?: string): SimUserRecord {
    const existing = openId ? this.byOpenId.get(openId) : undefined;
    if (existing) return this.record(existing.person);
    const base = openId ?? newOpenId();
    const person: SimPerson = {
      unionId: newUnionId(),
      userId: newUserId(),
      name,
      status: 'active',
      blockedApps: new Set(),
      identities: new Map(),
    };
    for (const app of this.apps.values()) {
      const appOpenId = app === this.defaultApp ? base : derivedOpenId(base, app.appId);
      const identity: Identity = { person, app, openId: appOpenId, chatId: newChatId() };
      person.identities.set(app.appId, identity);
      this.byOpenId.set(appOpenId, identity);
      this.byChatId.set(identity.chatId, identity);
    }
    this.persons.push(person);
    this.byUnionId.set(person.unionId, person);
    this.byUserId.set(person.userId, person);
    return this.record(person);
  }

  record(person: SimPerson): SimUserRecord {
    const first = person.identities.get(this.defaultApp.appId);
    const openIds: Record<string, string> = {};
    for (const [appId, identity] of person.identities) openIds[appId] = identity.openId;
    return { openId: first?.openId ?? '', unionId: person.unionId, userId: person.userId, name: person.name, openIds };
  }

  /** The (person, app) an open_id stands for; every open_id is unique across apps. */
  identity(openId: string | undefined): Identity | undefined {
    return openId === undefined ? undefined : this.byOpenId.get(openId);
  }

  identityIn(person: SimPerson, appId: string): Identity | undefined {
    return person.identities.get(appId);
  }

  /**
   * The recipient of a message sent by `app`: open_id and chat_id must be the app's own ('cross_app' otherwise);
   * union_id and user_id are the same in every app.
   */
  findRecipient(app: SimApp, idType: string, id: string): Identity | 'cross_app' | undefined {
    if (idType === 'open_id' || idType === 'chat_id') {
      const found = idType === 'open_id' ? this.byOpenId.get(id) : this.byChatId.get(id);
      if (!found) return undefined;
      return found.app === app ? found : 'cross_app';
    }
    const person =
      idType === 'union_id' ? this.byUnionId.get(id) : idType === 'user_id' ? this.byUserId.get(id) : undefined;
    return person?.identities.get(app.appId);
  }

  userOf(identity: Identity): SimUser {
    const { person } = identity;
    return { openId: identity.openId, unionId: person.unionId, userId: person.userId, name: person.name };
  }

  addMessage(message: SimMessage): void {
    this.messages.set(message.messageId, message);
    listFor(this.botMessages, message.openId).push(message);
  }

  /** The bot's messages to one identity (all when openId is absent), newest first. */
  messagesFor(openId?: string): SimMessage[] {
    const list = openId === undefined ? [...this.messages.values()] : [...(this.botMessages.get(openId) ?? [])];
    return list.sort((a, b) => b.seq - a.seq);
  }

  addUserMessage(message: UserMessage): void {
    listFor(this.dms, message.openId).push(message);
  }

  userMessagesFor(openId: string): readonly UserMessage[] {
    return this.dms.get(openId) ?? [];
  }

  applyUpdate(message: SimMessage, content: unknown, source: MessageUpdate['source']): void {
    message.content = content;
    message.updates.push({ at: this.isoNow(), content, source });
  }

  /** Stats of one app, or the sum over every app (and requests that named none). */
  statsView(app?: SimApp): SimStats {
    if (app) {
      return {
        ...app.stats,
        tokenRequests: { ...app.stats.tokenRequests },
        tokenRequestsPerSecondMax: app.tokenPeak.peak,
      };
    }
    const sum = emptyStats();
    for (const stats of [...[...this.apps.values()].map((a) => a.stats), this.otherStats]) {
      for (const key of Object.keys(sum) as Array<keyof SimStats>) {
        if (key === 'tokenRequests') {
          for (const grant of Object.keys(sum.tokenRequests) as Array<keyof SimStats['tokenRequests']>) {
            sum.tokenRequests[grant] += stats.tokenRequests[grant];
          }
        } else {
          sum[key] += stats[key];
        }
      }
    }
    sum.tokenRequestsPerSecondMax = this.tokenPeak.peak;
    return sum;
  }

  resetStats(): void {
    for (const app of this.apps.values()) {
      app.stats = emptyStats();
      app.tokenPeak.reset();
    }
    this.otherStats = emptyStats();
    this.tokenPeak.reset();
  }
}

function listFor<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

export function publicMessage(message: SimMessage): Record<string, unknown> {
  return {
    messageId: message.messageId,
    appId: message.appId,
    openId: message.openId,
    chatId: message.chatId,
    msgType: message.msgType,
    content: message.content,
    createTime: new Date(message.createdAt).toISOString(),
    updates: message.updates,
    recalled: message.recalled,
    deleted: message.deleted,
  };
}
