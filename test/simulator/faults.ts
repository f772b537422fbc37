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
  'device_authorization',
  // not a request fault: `ws_silent` silences the open WebSocket connections (see WsHub.silence)
  'ws',
] as const;
export const FAULT_KINDS = [
  'http500',
  'code20050',
  'code20072',
  'rate_limit',
  'timeout',
  'drop_connection',
  // HTTP 200 whose body carries a non-zero code: Feishu does this on several APIs.
  'error_in_200',
  'ws_silent',
  // A device-code poll answered slow_down (RFC 8628 §3.5) whatever its timing.
  'slow_down',
] as const;
export type FaultApi = (typeof FAULT_APIS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];
export type RequestFaultApi = Exclude<FaultApi, 'ws'>;

export const isFaultApi = (v: unknown): v is FaultApi => FAULT_APIS.includes(v as FaultApi);
export const isFaultKind = (v: unknown): v is FaultKind => FAULT_KINDS.includes(v as FaultKind);

interface CountedFault {
  kind: FaultKind;
  remaining: number;
  appId?: string;
}

interface RandomFault {
  kind: FaultKind;
  rate: number;
  appId?: string;
}

export type PendingFault =
  | { api: FaultApi; kind: FaultKind; remaining: number; appId?: string }
  | { api: FaultApi; kind: FaultKind; rate: number; appId?: string };

const matches = (fault: { appId?: string }, appId: string | undefined): boolean =>
  fault.appId === undefined || fault.appId === appId;

/**
 * Injected failures per API. Counted faults queue up: each matching call consumes one from the first entry that
 * applies to its app. Random faults (`rate`) fail each matching call with that probability until cleared.
 */
export class Faults {
  private readonly queues = new Map<FaultApi, CountedFault[]>();
  private readonly random = new Map<FaultApi, RandomFault[]>();
  /** Responses held open by `timeout` faults; ended when the client gives up or the simulator closes. */
  private readonly held = new Set<ServerResponse>();

  add(api: RequestFaultApi, kind: FaultKind, count: number, appId?: string): void {
    listOf(this.queues, api).push({ kind, remaining: count, ...(appId ? { appId } : {}) });
  }

  addRandom(api: RequestFaultApi, kind: FaultKind, rate: number, appId?: string): void {
    listOf(this.random, api).push({ kind, rate, ...(appId ? { appId } : {}) });
  }

  /** The fault for one call to `api` by `appId` (undefined: the request names no known app), if any. */
  take(api: RequestFaultApi, appId: string | undefined): FaultKind | undefined {
    const queue = this.queues.get(api);
    const index = queue ? queue.findIndex((f) => matches(f, appId)) : -1;
    const counted = index >= 0 ? queue?.[index] : undefined;
    if (queue && counted) {
      counted.remaining -= 1;
      if (counted.remaining <= 0) queue.splice(index, 1);
      return counted.kind;
    }
    for (const fault of this.random.get(api) ?? []) {
      if (matches(fault, appId) && Math.random() < fault.rate) return fault.kind;
    }
    return undefined;
  }

  pending(): PendingFault[] {
    const counted = [...this.queues].flatMap(([api, queue]) => queue.map((f) => ({ api, ...f })));
    const random = [...this.random].flatMap(([api, list]) => list.map((f) => ({ api, ...f })));
    return [...counted, ...random];
  }

  clear(): void {
    this.queues.clear();
    this.random.clear();
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
      case 'slow_down':
        sendJson(res, 400, { error: 'slow_down', error_description: 'polling too fast (simulated fault slow_down)' });
        break;
      case 'error_in_200':
        sendJson(res, 200, { code: 20050, msg: 'server error inside an HTTP 200 body (simulated fault error_in_200)' });
        break;
      case 'ws_silent':
        // only valid with api "ws" (refused by /_sim/faults otherwise); never queued for a request
        sendJson(res, 500, { code: 1, msg: 'ws_silent is not a request fault' });
        break;
    }
    return true;
  }

  releaseHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }
}

function listOf<T>(map: Map<FaultApi, T[]>, api: FaultApi): T[] {
  let list = map.get(api);
  if (!list) {
    list = [];
    map.set(api, list);
  }
  return list;
}
