import type { FaultApi, FaultKind } from './faults';
import type { MessageUpdate, SimConfig, SimStats, SimUser } from './state';

export interface SimMessageView {
  messageId: string;
  openId: string;
  chatId: string;
  msgType: string;
  content: Record<string, unknown>;
  createTime: string;
  updates: MessageUpdate[];
}

export interface SimReply<T = unknown> {
  status: number;
  body: T;
}

/** A typed wrapper around the `/_sim/` control API, for tests and scripts. Throws on unexpected statuses. */
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

  createUser(name: string, openId?: string): Promise<SimUser> {
    return this.ok<SimUser>('POST', '/_sim/users', { name, openId });
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

  config(changes: Partial<SimConfig>): Promise<SimConfig> {
    return this.ok<SimConfig>('POST', '/_sim/config', changes);
  }

  fault(api: FaultApi, kind: FaultKind, count = 1): Promise<unknown> {
    return this.ok('POST', '/_sim/faults', { api, kind, count });
  }

  revoke(openId: string): Promise<unknown> {
    return this.ok('POST', '/_sim/revoke', { openId });
  }

  stats(): Promise<SimStats> {
    return this.ok<SimStats>('GET', '/_sim/stats');
  }

  advanceClock(seconds: number): Promise<unknown> {
    return this.ok('POST', '/_sim/clock', { advanceSeconds: seconds });
  }

  async dropWebSockets(): Promise<number> {
    return (await this.ok<{ dropped: number }>('POST', '/_sim/ws/drop')).dropped;
  }

  wsStatus(): Promise<{ connections: number; framesSent: number; clients: Array<{ id: number }> }> {
    return this.ok('GET', '/_sim/ws/status');
  }

  async waitForWsConnections(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.wsStatus()).connections !== count) {
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
