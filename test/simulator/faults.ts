import type { ServerResponse } from 'node:http';

import { sendJson } from './http-util';
import { RATE_LIMIT_BODY, rateLimitHeaders } from './rate-limit';

export const FAULT_APIS = [
  'token',
  'user_info',
  'message_create',
  'message_patch',
  'ws_endpoint',
  'tenant_token',
] as const;
export const FAULT_KINDS = [
  'http500',
  'code20050',
  'code20072',
  'rate_limit',
  'timeout',
  'drop_connection',
  // HTTP 200 whose body carries a non-zero code: Feishu does this on several APIs (feishu-api.md §6).
  'error_in_200',
] as const;
export type FaultApi = (typeof FAULT_APIS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

export const isFaultApi = (v: unknown): v is FaultApi => FAULT_APIS.includes(v as FaultApi);
export const isFaultKind = (v: unknown): v is FaultKind => FAULT_KINDS.includes(v as FaultKind);

interface PendingFault {
  kind: FaultKind;
  remaining: number;
}

/** Queued failures per API: each call to the API consumes one from the head of its queue. */
export class Faults {
  private readonly queues = new Map<FaultApi, PendingFault[]>();
  /** Responses held open by `timeout` faults; ended when the client gives up or the simulator closes. */
  private readonly held = new Set<ServerResponse>();

  add(api: FaultApi, kind: FaultKind, count: number): void {
    const queue = this.queues.get(api) ?? [];
    queue.push({ kind, remaining: count });
    this.queues.set(api, queue);
  }

  take(api: FaultApi): FaultKind | undefined {
    const queue = this.queues.get(api);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.kind;
  }

  pending(): Array<{ api: FaultApi; kind: FaultKind; remaining: number }> {
    return [...this.queues].flatMap(([api, queue]) => queue.map((f) => ({ api, ...f })));
  }

  clear(): void {
    this.queues.clear();
  }

  /** Answers the request as the fault says. Returns true (the caller must not answer any more). */
  apply(kind: FaultKind, res: ServerResponse): true {
    switch (kind) {
      case 'http500':
        sendJson(res, 500, { code: 1, msg: 'internal server error (simulated fault http500)' });
        break;
      case 'code20050':
        sendJson(res, 500, {
          code: 20050,
          error: 'server_error',
          error_description: 'An unexpected server error occurred. Please retry your request.',
          msg: 'server error (simulated fault code20050)',
        });
        break;
      case 'code20072':
        sendJson(res, 503, {
          code: 20072,
          error: 'temporarily_unavailable',
          error_description: 'The server is temporarily unavailable. Please retry your request.',
          msg: 'temporarily unavailable (simulated fault code20072)',
        });
        break;
      case 'rate_limit':
        sendJson(res, 429, RATE_LIMIT_BODY, rateLimitHeaders(1, 50));
        break;
      case 'timeout':
        this.held.add(res);
        res.on('close', () => this.held.delete(res));
        break;
      case 'drop_connection':
        res.socket?.destroy();
        break;
      case 'error_in_200':
        sendJson(res, 200, { code: 20050, msg: 'server error inside an HTTP 200 body (simulated fault error_in_200)' });
        break;
    }
    return true;
  }

  releaseHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }
}
