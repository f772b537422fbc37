import { hex, newEventId } from './ids';
import type { SimApp, SimMessage, SimUser } from './state';

// Schema 2.0 event envelopes of im.message.receive_v1 and card.action.trigger (docs/feishu-api.md).

function header(app: SimApp, eventType: string, createTime: string): Record<string, unknown> {
  return {
    event_id: newEventId(),
    token: app.verificationToken,
    create_time: createTime,
    event_type: eventType,
    tenant_key: app.tenantKey,
    app_id: app.appId,
  };
}

export function messageReceiveEvent(
  app: SimApp,
  user: SimUser,
  chatId: string,
  messageId: string,
  text: string,
  nowMs: number,
): Record<string, unknown> {
  const ms = String(nowMs);
  return {
    schema: '2.0',
    header: header(app, 'im.message.receive_v1', ms),
    event: {
      sender: {
        sender_id: { union_id: user.unionId, user_id: user.userId, open_id: user.openId },
        sender_type: 'user',
        tenant_key: app.tenantKey,
      },
      message: {
        message_id: messageId,
        root_id: '',
        parent_id: '',
        create_time: ms,
        update_time: ms,
        chat_id: chatId,
        thread_id: '',
        chat_type: 'p2p',
        message_type: 'text',
        content: JSON.stringify({ text }),
        mentions: [],
        user_agent: 'Mozilla/5.0 (Feishu simulator) Lark/7.30.0',
      },
    },
  };
}

export interface CardAction {
  value: unknown;
  name?: string;
  formValue?: Record<string, unknown>;
}

export function cardActionEvent(
  app: SimApp,
  user: SimUser,
  message: SimMessage,
  action: CardAction,
  nowMs: number,
): Record<string, unknown> {
  return {
    schema: '2.0',
    // card callbacks carry microseconds in create_time
    header: header(app, 'card.action.trigger', `${nowMs}000`),
    event: {
      operator: { tenant_key: app.tenantKey, user_id: user.userId, open_id: user.openId, union_id: user.unionId },
      token: `c-${hex(40)}`,
      action: {
        value: action.value,
        tag: 'button',
        timezone: 'Asia/Shanghai',
        ...(action.name ? { name: action.name } : {}),
        ...(action.formValue ? { form_value: action.formValue } : {}),
      },
      host: 'im_message',
      context: { open_message_id: message.messageId, open_chat_id: message.chatId },
    },
  };
}
