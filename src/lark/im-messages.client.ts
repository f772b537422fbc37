import { Injectable } from '@nestjs/common';

import { MetricsService } from '../metrics/metrics.service';
import { LarkAppRegistry } from './app-registry';
import { FeishuApi, FeishuApiError, feishuErrorFrom } from './lark.errors';

export interface SentMessage {
  messageId: string;
  chatId: string | undefined;
}

interface AxiosLikeError {
  isAxiosError?: boolean;
  code?: string;
  response?: { status: number; data?: unknown; headers?: Record<string, unknown> };
}

/**
 * Sends and patches interactive messages through the SDK Client (tenant token handled by the SDK).
 * The SDK throws on non-2xx and resolves with the body on 2xx, so both paths are turned into the same
 * FeishuApiError, including an error code hidden in an HTTP 200 body.
 */
@Injectable()
export class ImMessagesClient {
  constructor(
    private readonly apps: LarkAppRegistry,
    private readonly metrics: MetricsService,
  ) {}

  /** `openId` is the user's open_id in `appId` (open_ids differ between apps). */
  async sendInteractive(appId: string, openId: string, card: object, idempotencyKey?: string): Promise<SentMessage> {
    const { client } = this.apps.get(appId);
    const body = await this.call(appId, 'message_create', () =>
      client.im.v1.message.create({
        params: { receive_id_type: 'open_id' },
        data: { receive_id: openId, msg_type: 'interactive', content: JSON.stringify(card), uuid: idempotencyKey },
      }),
    );
    const data = (body.data ?? {}) as { message_id?: string; chat_id?: string };
    if (!data.message_id) {
      throw new FeishuApiError('message_create', 'api_error', false, { feishuMessage: 'no message_id in the answer' });
    }
    return { messageId: data.message_id, chatId: data.chat_id };
  }

  async patchInteractive(appId: string, messageId: string, card: object): Promise<void> {
    const { client } = this.apps.get(appId);
    await this.call(appId, 'message_patch', () =>
      client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card) } }),
    );
  }

  private async call(appId: string, api: FeishuApi, request: () => Promise<unknown>): Promise<Record<string, unknown>> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let failure: FeishuApiError | undefined;
    let body: Record<string, unknown> = {};
    try {
      body = ((await request()) ?? {}) as Record<string, unknown>;
      failure = feishuErrorFrom(api, 200, body);
    } catch (error) {
      failure = fromThrown(api, error);
    }
    this.metrics.feishuRequest(appId, api, failure ? failure.kind : 'success', seconds());
    if (failure) throw failure;
    return body;
  }
}

function fromThrown(api: FeishuApi, error: unknown): FeishuApiError {
  const axios = error as AxiosLikeError;
  if (axios?.response) {
    const reset = axios.response.headers?.['x-ogw-ratelimit-reset'];
    return (
      feishuErrorFrom(
        api,
        axios.response.status,
        axios.response.data,
        typeof reset === 'string' || typeof reset === 'number' ? String(reset) : null,
      ) ?? new FeishuApiError(api, 'http_error', false, { httpStatus: axios.response.status })
    );
  }
  const timedOut = axios?.code === 'ECONNABORTED' || axios?.code === 'ETIMEDOUT';
  // The SDK throws plain Errors too, e.g. when the tenant token cannot be obtained.
  const message = error instanceof Error ? error.message : String(error);
  return new FeishuApiError(api, timedOut ? 'timeout' : 'network_error', true, {
    mayHaveBeenProcessed: timedOut,
    feishuMessage: message.slice(0, 200),
  });
}
