import { Injectable } from '@nestjs/common';

import { MetricsService } from '../metrics/metrics.service';
import { LarkAppRegistry } from './app-registry';
import { FeishuApi, FeishuApiError } from './lark.errors';
import { callSdk } from './sdk-call';

export interface SentMessage {
  messageId: string;
  chatId: string | undefined;
}

/** Sends and patches interactive messages through the app's SDK Client (see callSdk for how failures look). */
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

  private call(appId: string, api: FeishuApi, request: () => Promise<unknown>): Promise<Record<string, unknown>> {
    return callSdk(this.apps.get(appId), this.metrics, api, request);
  }
}
