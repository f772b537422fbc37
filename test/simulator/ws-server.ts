import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { type RawData, WebSocket, WebSocketServer } from 'ws';

import { hex, newUuid } from './ids';
import { decodeFrame, encodeFrame, type Frame, headerValue, METHOD_CONTROL, METHOD_DATA } from './pbbp2';
import type { SimState } from './state';

const TICKET_TTL_MS = 5 * 60 * 1000;
/** Feishu re-pushes an unacked event; the simulator does so up to this many times ("超时重推"). */
export const MAX_REDELIVERIES = 3;

interface Connection {
  id: number;
  appId: string;
  ws: WebSocket;
  serviceId: number;
  deviceId: string;
  connectedAt: string;
  seq: number;
  /** ws_silent: answers no ping, every frame to it is swallowed, the socket stays open. */
  silent: boolean;
}

/** One event on its way to the app: the first ack of any attempt settles it. */
interface Delivery {
  appId: string;
  eventId: string;
  bytes: Buffer;
  /** Attempts made so far (the first push counts). */
  attempts: number;
  frameIds: string[];
  timer?: NodeJS.Timeout;
  settled: boolean;
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

/**
 * The long-connection side of the simulator: endpoint tickets, sockets, pings, event delivery and acks. Like
 * Feishu, each event goes to ONE randomly chosen open connection of its app, and an event not acked within
 * `ackTimeoutMs` is pushed again (same event_id, new frame message_id) to a random open connection, up to
 * MAX_REDELIVERIES times.
 */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Map<string, Map<number, Connection>>();
  private readonly tickets = new Map<
    string,
    { expiresAt: number; deviceId: string; serviceId: number; appId: string }
  >();
  private readonly attempts = new Map<string, Delivery>();
  private readonly deliveries = new Set<Delivery>();
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
  endpoint(host: string, appId: string): { URL: string; ClientConfig: Record<string, number> } {
    for (const [key, t] of this.tickets) if (t.expiresAt < Date.now()) this.tickets.delete(key);
    const ticket = hex(32);
    const deviceId = String(7_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
    const serviceId = 33_554_000 + Math.floor(Math.random() * 1000);
    this.tickets.set(ticket, { expiresAt: Date.now() + TICKET_TTL_MS, deviceId, serviceId, appId });
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
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket));
  }

  private open(appId?: string): Connection[] {
    const pools = appId === undefined ? [...this.connections.values()] : [this.connections.get(appId) ?? new Map()];
    return pools.flatMap((pool) => [...pool.values()].filter((c) => c.ws.readyState === WebSocket.OPEN));
  }

  connectionCount(appId?: string): number {
    return this.open(appId).length;
  }

  status(): Record<string, unknown> {
    const all = [...this.connections.values()].flatMap((pool) => [...pool.values()]);
    const clients = all.map((c) => ({
      id: c.id,
      appId: c.appId,
      deviceId: c.deviceId,
      serviceId: c.serviceId,
      connectedAt: c.connectedAt,
      silent: c.silent,
    }));
    const apps: Record<string, { connections: number }> = {};
    for (const appId of this.state.apps.keys()) apps[appId] = { connections: this.connectionCount(appId) };
    return {
      connections: this.connectionCount(),
      clients,
      framesSent: this.framesSent,
      pingsAnswered: this.pingsAnswered,
      apps,
    };
  }

  /** Pushes one event to a random open connection of the app; resolves with the first ack of any attempt. */
  deliver(appId: string, event: Record<string, unknown>): Promise<AckResult> {
    if (this.open(appId).length === 0) {
      return Promise.reject(new DeliveryError(503, `no WebSocket client is connected for app ${appId}`));
    }
    const header = event.header as { event_id?: string } | undefined;
    return new Promise<AckResult>((resolve, reject) => {
      const delivery: Delivery = {
        appId,
        eventId: header?.event_id ?? '',
        bytes: Buffer.from(JSON.stringify(event), 'utf8'),
        attempts: 0,
        frameIds: [],
        settled: false,
        resolve,
        reject,
      };
      this.deliveries.add(delivery);
      this.state.statsOf(this.state.app(appId)).wsEventsSent += 1;
      this.attempt(delivery);
    });
  }

  private attempt(delivery: Delivery): void {
    delivery.attempts += 1;
    const candidates = this.open(delivery.appId);
    const target = candidates[Math.floor(Math.random() * candidates.length)];
    if (target) this.push(delivery, target);
    const timeoutMs = this.state.config.ackTimeoutMs;
    delivery.timer = setTimeout(() => {
      if (delivery.settled) return;
      if (delivery.attempts > MAX_REDELIVERIES) {
        this.settle(delivery);
        delivery.reject(
          new DeliveryError(
            504,
            `no ack for event ${delivery.eventId} after ${delivery.attempts} deliveries, ${timeoutMs} ms each`,
          ),
        );
        return;
      }
      this.state.statsOf(this.state.app(delivery.appId)).wsEventsRedelivered += 1;
      this.attempt(delivery);
    }, timeoutMs);
  }

  private push(delivery: Delivery, target: Connection): void {
    const { bytes } = delivery;
    const chunkSize = Math.max(1, Math.floor(this.state.config.wsChunkSize));
    const sum = Math.max(1, Math.ceil(bytes.length / chunkSize));
    const frameId = newUuid();
    const traceId = hex(16);
    delivery.frameIds.push(frameId);
    this.attempts.set(frameId, delivery);
    for (let seq = 0; seq < sum; seq++) {
      this.send(target, {
        SeqID: ++target.seq,
        LogID: Math.floor(Math.random() * 2 ** 31),
        service: target.serviceId,
        method: METHOD_DATA,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: frameId },
          { key: 'sum', value: String(sum) },
          { key: 'seq', value: String(seq) },
          { key: 'trace_id', value: traceId },
          { key: 'timestamp', value: String(Date.now()) },
        ],
        payload: bytes.subarray(seq * chunkSize, (seq + 1) * chunkSize),
      });
    }
  }

  private settle(delivery: Delivery): void {
    delivery.settled = true;
    clearTimeout(delivery.timer);
    for (const frameId of delivery.frameIds) this.attempts.delete(frameId);
    this.deliveries.delete(delivery);
  }

  /** Closes the live connections (of one app, or all) from the server side; SDK clients reconnect on their own. */
  drop(appId?: string): number {
    const targets = this.open(appId);
    for (const connection of targets) connection.ws.terminate();
    return targets.length;
  }

  /** ws_silent: the open connections (of one app, or all) go quiet; connections made later are normal. */
  silence(appId?: string): number {
    const targets = this.open(appId);
    for (const connection of targets) connection.silent = true;
    return targets.length;
  }

  unsilence(): void {
    for (const pool of this.connections.values()) for (const connection of pool.values()) connection.silent = false;
  }

  /** Silent connections still open, per app ('' key never used): for GET /_sim/faults. */
  silenced(): Array<{ appId: string; connections: number }> {
    const counts = new Map<string, number>();
    for (const c of this.open()) if (c.silent) counts.set(c.appId, (counts.get(c.appId) ?? 0) + 1);
    return [...counts].map(([appId, connections]) => ({ appId, connections }));
  }

  close(): void {
    for (const delivery of [...this.deliveries]) {
      this.settle(delivery);
      delivery.reject(new DeliveryError(503, 'simulator closed'));
    }
    this.drop();
    this.wss.close();
  }

  private accept(ws: WebSocket, ticket: { deviceId: string; serviceId: number; appId: string }): void {
    const connection: Connection = {
      id: this.nextConnectionId++,
      appId: ticket.appId,
      ws,
      serviceId: ticket.serviceId,
      deviceId: ticket.deviceId,
      connectedAt: new Date().toISOString(),
      seq: 0,
      silent: false,
    };
    let pool = this.connections.get(ticket.appId);
    if (!pool) {
      pool = new Map();
      this.connections.set(ticket.appId, pool);
    }
    pool.set(connection.id, connection);
    this.log(`ws: ${ticket.appId} client ${connection.id} connected (${this.connectionCount(ticket.appId)} open)`);
    ws.on('message', (data: RawData) => this.onFrame(connection, data));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      pool.delete(connection.id);
      this.log(`ws: ${ticket.appId} client ${connection.id} disconnected`);
    });
  }

  private onFrame(connection: Connection, data: RawData): void {
    if (connection.silent) return;
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
    const frameId = headerValue(frame, 'message_id') ?? '';
    const delivery = this.attempts.get(frameId);
    if (!delivery || delivery.settled) return;
    this.settle(delivery);
    this.state.statsOf(this.state.app(delivery.appId)).wsEventsAcked += 1;
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
      this.log(`ws: ack for ${frameId} is not JSON: ${text.slice(0, 100)}`);
    }
    delivery.resolve({ code, response });
  }

  private send(connection: Connection, frame: Frame): void {
    if (connection.silent || connection.ws.readyState !== WebSocket.OPEN) return;
    if (frame.method === METHOD_DATA) this.framesSent += 1;
    connection.ws.send(encodeFrame(frame), { binary: true });
  }
}
