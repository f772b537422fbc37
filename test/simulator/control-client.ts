import type { FaultApi, FaultKind } from './faults';
import type { MessageUpdate, PersonStatus, SimConfig, SimStats, SimUserRecord } from './state';

export interface SimMessageView {
  messageId: string;
  appId: string;
  openId: string;
  chatId: string;
  msgType: string;
  content: Record<string, unknown>;
  createTime: string;
  updates: MessageUpdate[];
  recalled: boolean;
  deleted: boolean;
}

export type SimConfigView = SimConfig & { appId: string; enabledScopes: string[] };
export type SimConfigChanges = Partial<SimConfig> & { enabledScopes?: string[]; appId?: string };

export interface WsStatus {
  connections: number;
  framesSent: number;
  pingsAnswered: number;
  clients: Array<{ id: number; appId: string; silent: boolean }>;
  apps: Record<string, { connections: number }>;
}

export interface SimReply<T = unknown> {
  status: number;
  body: T;
}

/** A typed wrapper around the `/_sim/` control API, for tests and scripts. Throws on unexpected statuses. */
export interface SimTokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  refresh_token_expires_in?: number;
  scope: string;
}

export class SimControlClient {
  constructor(readonly baseUrl: string) {}

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<SimReply<T>> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T };
  }

  createUser(name: string, openId?: string): Promise<SimUserRecord> {
    return this.ok<SimUserRecord>('POST', '/_sim/users', { name, openId });
  }

  setUserStatus(openId: string, status: PersonStatus): Promise<unknown> {
    return this.ok('POST', `/_sim/users/${encodeURIComponent(openId)}/status`, { status });
  }

  /** The person blocks (or unblocks) the bot of the app the open_id belongs to. */
  block(openId: string, blocked = true): Promise<unknown> {
    return this.ok('POST', `/_sim/users/${encodeURIComponent(openId)}/${blocked ? 'block' : 'unblock'}`);
  }

  recall(messageId: string): Promise<SimMessageView> {
    return this.ok('POST', `/_sim/messages/${encodeURIComponent(messageId)}/recall`);
  }

  deleteMessage(messageId: string): Promise<SimMessageView> {
    return this.ok('POST', `/_sim/messages/${encodeURIComponent(messageId)}/delete`);
  }

  messages(openId?: string): Promise<SimMessageView[]> {
    const query = openId ? `?openId=${encodeURIComponent(openId)}` : '';
    return this.ok<SimMessageView[]>('GET', `/_sim/messages${query}`);
  }

  /** The user DMs the bot; resolves once the SDK acked the event. */
  userMessage(openId: string, text: string): Promise<SimReply> {
    return this.call('POST', '/_sim/user-messages', { openId, text });
  }

  /** The user clicks a callback button; the reply body is the handler's decoded response. */
  cardAction(messageId: string, openId: string, value: unknown): Promise<SimReply> {
    return this.call('POST', '/_sim/card-actions', { messageId, openId, value });
  }

  async authorizeAs(openId: string, decision: 'approve' | 'deny', authorizeUrl: string): Promise<string> {
    const query = new URLSearchParams({ openId, decision, url: authorizeUrl });
    return (await this.ok<{ location: string }>('GET', `/_sim/authorize-as?${query}`)).location;
  }

  /** Approves or denies a device authorization through its verification URL. */
  async authorizeDevice(
    openId: string,
    decision: 'approve' | 'deny',
    verificationUrl: string,
  ): Promise<{ userCode: string; decision: string }> {
    const query = new URLSearchParams({ openId, decision, url: verificationUrl });
    return this.ok('GET', `/_sim/authorize-as?${query}`);
  }

  config(changes: SimConfigChanges): Promise<SimConfigView> {
    return this.ok<SimConfigView>('POST', '/_sim/config', changes);
  }

  fault(api: FaultApi, kind: FaultKind, count = 1, appId?: string): Promise<unknown> {
    return this.ok('POST', '/_sim/faults', { api, kind, count, appId });
  }

  /** Each call to `api` fails with probability `rate` until clearFaults(). */
  faultRate(api: FaultApi, kind: FaultKind, rate: number, appId?: string): Promise<unknown> {
    return this.ok('POST', '/_sim/faults', { api, kind, rate, appId });
  }

  /** ws_silent: the open connections (of one app, or all) stop answering and receive nothing. */
  silenceWebSockets(appId?: string): Promise<{ silenced: number }> {
    return this.ok('POST', '/_sim/faults', { api: 'ws', kind: 'ws_silent', appId });
  }

  clearFaults(): Promise<unknown> {
    return this.ok('DELETE', '/_sim/faults');
  }

  revokeTenantTokens(appId?: string): Promise<{ revoked: string[] }> {
    return this.ok('POST', '/_sim/tenant-tokens/revoke', { appId });
  }

  /** A grant without the consent page: the token set the token endpoint would answer. */
  grant(openId: string, scope = 'offline_access'): Promise<SimTokenSet> {
    return this.ok<SimTokenSet>('POST', '/_sim/grants', { openId, scope });
  }

  revoke(openId: string): Promise<unknown> {
    return this.ok('POST', '/_sim/revoke', { openId });
  }

  stats(appId?: string): Promise<SimStats> {
    return this.ok<SimStats>('GET', `/_sim/stats${appId ? `?appId=${encodeURIComponent(appId)}` : ''}`);
  }

  advanceClock(seconds: number): Promise<unknown> {
    return this.ok('POST', '/_sim/clock', { advanceSeconds: seconds });
  }

  async dropWebSockets(appId?: string): Promise<number> {
    return (await this.ok<{ dropped: number }>('POST', '/_sim/ws/drop', appId ? { appId } : undefined)).dropped;
  }

  wsStatus(): Promise<WsStatus> {
    return this.ok('GET', '/_sim/ws/status');
  }

  /** Waits until `count` connections are open (of one app when appId is given). */
  async waitForWsConnections(count: number, timeoutMs = 10_000, appId?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const current = async (): Promise<number> => {
      const status = await this.wsStatus();
      return appId ? (status.apps[appId]?.connections ?? 0) : status.connections;
    };
    while ((await current()) !== count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} WebSocket connection(s) within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await this.call<T>(method, path, body);
    if (reply.status >= 300) {
      throw new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
    return reply.body;
  }
}
