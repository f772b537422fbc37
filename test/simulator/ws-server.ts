import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { type RawData, WebSocket, WebSocketServer } from 'ws';

import { hex, newUuid } from './ids';
import { decodeFrame, encodeFrame, type Frame, headerValue, METHOD_CONTROL, METHOD_DATA } from './pbbp2';
import type { SimState } from './state';

const TICKET_TTL_MS = 5 * 60 * 1000;

interface Connection {
  id: number;
  ws: WebSocket;
  serviceId: number;
  deviceId: string;
  connectedAt: string;
  seq: number;
}

interface PendingAck {
  connectionId: number;
  timer: NodeJS.Timeout;
  resolve: (result: AckResult) => void;
  reject: (error: DeliveryError) => void;
}

/** What the client acked: `code` 200/500 and the handler's return value decoded from base64 `data`. */
export interface AckResult {
  code: number;
  response: unknown;
}

export class DeliveryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The long-connection side of the simulator: endpoint tickets, sockets, pings, event delivery and acks. */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Map<number, Connection>();
  private readonly tickets = new Map<string, { expiresAt: number; deviceId: string; serviceId: number }>();
  private readonly pending = new Map<string, PendingAck>();
  private nextConnectionId = 1;
  private framesSent = 0;
  private pingsAnswered = 0;

  constructor(
    private readonly state: SimState,
    private readonly log: (line: string) => void,
  ) {}

  clientConfig(): Record<string, number> {
    const c = this.state.config;
    return {
      ReconnectCount: c.wsReconnectCount,
      ReconnectInterval: c.wsReconnectInterval,
      ReconnectNonce: c.wsReconnectNonce,
      PingInterval: c.wsPingInterval,
    };
  }

  /** A fresh connect URL; device_id/service_id are never the first parameter (the SDK parses the whole URL). */
  endpoint(host: string): { URL: string; ClientConfig: Record<string, number> } {
    for (const [key, t] of this.tickets) if (t.expiresAt < Date.now()) this.tickets.delete(key);
    const ticket = hex(32);
    const deviceId = String(7_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
    const serviceId = 33_554_000 + Math.floor(Math.random() * 1000);
    this.tickets.set(ticket, { expiresAt: Date.now() + TICKET_TTL_MS, deviceId, serviceId });
    const query = `fpid=1&aid=552564&device_id=${deviceId}&access_key=${hex(16)}&service_id=${serviceId}&ticket=${ticket}`;
    return { URL: `ws://${host}/ws/v2?${query}`, ClientConfig: this.clientConfig() };
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const ticket = this.tickets.get(url.searchParams.get('ticket') ?? '');
    if (url.pathname !== '/ws/v2' || !ticket || ticket.expiresAt < Date.now()) {
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nHandshake-Status: 403\r\nHandshake-Msg: invalid ticket\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    this.tickets.delete(url.searchParams.get('ticket') ?? '');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket.deviceId, ticket.serviceId));
  }

  connectionCount(): number {
    return [...this.connections.values()].filter((c) => c.ws.readyState === WebSocket.OPEN).length;
  }

  status(): Record<string, unknown> {
    const clients = [...this.connections.values()].map((c) => ({
      id: c.id,
      deviceId: c.deviceId,
      serviceId: c.serviceId,
      connectedAt: c.connectedAt,
    }));
    return {
      connections: this.connectionCount(),
      clients,
      framesSent: this.framesSent,
      pingsAnswered: this.pingsAnswered,
    };
  }

  /** Sends one event to the newest connection and resolves with its ack. */
  deliver(event: Record<string, unknown>): Promise<AckResult> {
    const target = [...this.connections.values()].reverse().find((c) => c.ws.readyState === WebSocket.OPEN);
    if (!target) {
      return Promise.reject(new DeliveryError(503, `no WebSocket client is connected for app ${this.state.app.appId}`));
    }
    const bytes = Buffer.from(JSON.stringify(event), 'utf8');
    const chunkSize = Math.max(1, Math.floor(this.state.config.wsChunkSize));
    const sum = Math.max(1, Math.ceil(bytes.length / chunkSize));
    const messageId = newUuid();
    const traceId = hex(16);
    const timeoutMs = this.state.config.ackTimeoutMs;
    const result = new Promise<AckResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        reject(new DeliveryError(504, `no ack for event ${messageId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(messageId, { connectionId: target.id, timer, resolve, reject });
    });
    for (let seq = 0; seq < sum; seq++) {
      this.send(target, {
        SeqID: ++target.seq,
        LogID: Math.floor(Math.random() * 2 ** 31),
        service: target.serviceId,
        method: METHOD_DATA,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: messageId },
          { key: 'sum', value: String(sum) },
          { key: 'seq', value: String(seq) },
          { key: 'trace_id', value: traceId },
          { key: 'timestamp', value: String(Date.now()) },
        ],
        payload: bytes.subarray(seq * chunkSize, (seq + 1) * chunkSize),
      });
    }
    this.state.stats.wsEventsSent += 1;
    return result;
  }

  /** Closes every live connection from the server side; SDK clients reconnect on their own. */
  drop(): number {
    let count = 0;
    for (const connection of this.connections.values()) {
      connection.ws.terminate();
      count += 1;
    }
    return count;
  }

  close(): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new DeliveryError(503, 'simulator closed'));
      this.pending.delete(id);
    }
    this.drop();
    this.wss.close();
  }

  private accept(ws: WebSocket, deviceId: string, serviceId: number): void {
    const connection: Connection = {
      id: this.nextConnectionId++,
      ws,
      serviceId,
      deviceId,
      connectedAt: new Date().toISOString(),
      seq: 0,
    };
    this.connections.set(connection.id, connection);
    this.log(`ws: client ${connection.id} connected (${this.connectionCount()} open)`);
    ws.on('message', (data: RawData) => this.onFrame(connection, data));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.connections.delete(connection.id);
      this.log(`ws: client ${connection.id} disconnected`);
      for (const [messageId, pending] of this.pending) {
        if (pending.connectionId !== connection.id) continue;
        clearTimeout(pending.timer);
        this.pending.delete(messageId);
        pending.reject(new DeliveryError(502, `connection closed before event ${messageId} was acked`));
      }
    });
  }

  private onFrame(connection: Connection, data: RawData): void {
    let frame: Frame;
    try {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      frame = decodeFrame(bytes);
    } catch (error) {
      this.log(`ws: undecodable frame from client ${connection.id}: ${String(error)}`);
      return;
    }
    const type = headerValue(frame, 'type');
    if (frame.method === METHOD_CONTROL && type === 'ping') {
      this.pingsAnswered += 1;
      this.send(connection, {
        SeqID: ++connection.seq,
        LogID: 0,
        service: connection.serviceId,
        method: METHOD_CONTROL,
        headers: [{ key: 'type', value: 'pong' }],
        payload: Buffer.from(JSON.stringify(this.clientConfig()), 'utf8'),
      });
      return;
    }
    if (frame.method === METHOD_DATA) this.onAck(frame);
  }

  private onAck(frame: Frame): void {
    const messageId = headerValue(frame, 'message_id') ?? '';
    const pending = this.pending.get(messageId);
    if (!pending) return;
    this.pending.delete(messageId);
    clearTimeout(pending.timer);
    this.state.stats.wsEventsAcked += 1;
    const text = Buffer.from(frame.payload ?? new Uint8Array()).toString('utf8');
    let code = 0;
    let response: unknown;
    try {
      const ack = JSON.parse(text) as { code?: number; data?: string };
      code = Number(ack.code ?? 0);
      if (typeof ack.data === 'string' && ack.data.length > 0) {
        const decoded = Buffer.from(ack.data, 'base64').toString('utf8');
        try {
          response = JSON.parse(decoded);
        } catch {
          response = decoded;
        }
      }
    } catch {
      this.log(`ws: ack for ${messageId} is not JSON: ${text.slice(0, 100)}`);
    }
    pending.resolve({ code, response });
  }

  private send(connection: Connection, frame: Frame): void {
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    if (frame.method === METHOD_DATA) this.framesSent += 1;
    connection.ws.send(encodeFrame(frame), { binary: true });
  }
}
