import { CardError, parseCardContent, validateCard } from './card-v2';
import type { SimContext } from './context';
import { bearerToken, type JsonObject, type RouteContext, type Router, sendJson, str } from './http-util';
import { newMessageId } from './ids';
import { RATE_LIMIT_BODY, rateLimitHeaders } from './rate-limit';
import type { SimApp, SimMessage } from './state';
import { tenantTokenApp } from './token-routes';

const CARD_MAX_BYTES = 30 * 1024;
const TEXT_MAX_BYTES = 150 * 1024;
const UUID_WINDOW_MS = 60 * 60 * 1000;
const RECEIVE_ID_TYPES = ['open_id', 'union_id', 'user_id', 'chat_id'];

export class ImError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Feishu's per-user and per-message limits ("频控策略"): HTTP 400, code 230020, no reset header. */
const tooFast = (what: string): ImError =>
  new ImError(400, 230020, `This operation triggers the frequency limit: ${what}. Please try again later.`);

type ImHandler = (ctx: RouteContext, app: SimApp) => Promise<void>;

export function registerImRoutes(router: Router, sim: SimContext): void {
  const byUuid = new Map<string, { messageId: string; at: number }>();
  let uuidSweepAt = Date.now();

  /** Resolves the app from the tenant token, applies faults and the app-wide limit of the API. */
  const guarded = (api: 'message_create' | 'message_patch', handler: ImHandler) => {
    return async (ctx: RouteContext): Promise<void> => {
      const app = tenantTokenApp(sim.state, bearerToken(ctx.req));
      const fault = sim.faults.take(api, app?.appId);
      if (fault) return void sim.faults.apply(fault, ctx.res);
      if (!app) {
        return sendJson(ctx.res, 400, {
          code: 99991663,
          msg: 'Invalid access token for authorization. Please make a request with a valid tenant_access_token.',
        });
      }
      try {
        const limit = sim.state.config.messageRatePerApp;
        const decision = sim.limiter.take(`${api}:${app.appId}`, limit);
        if (!decision.ok) {
          throw new ImError(
            429,
            RATE_LIMIT_BODY.code,
            RATE_LIMIT_BODY.msg,
            rateLimitHeaders(decision.resetSeconds, limit),
          );
        }
        await handler(ctx, app);
      } catch (error) {
        if (!(error instanceof ImError)) throw error;
        sendJson(ctx.res, error.status, { code: error.code, msg: error.message }, error.headers);
      }
    };
  };

  router.add(
    'POST',
    '/open-apis/im/v1/messages',
    guarded('message_create', async (ctx, app) => {
      const { state } = sim;
      const body = await ctx.body();
      const idType = ctx.url.searchParams.get('receive_id_type') ?? '';
      if (!RECEIVE_ID_TYPES.includes(idType)) {
        throw new ImError(
          400,
          99992402,
          `field validation failed: receive_id_type must be one of ${RECEIVE_ID_TYPES.join('|')}`,
        );
      }
      const receiveId = str(body.receive_id) ?? '';
      const recipient = state.findRecipient(app, idType, receiveId);
      if (recipient === 'cross_app') {
        if (idType === 'chat_id') throw new ImError(400, 230002, 'Bot/User can NOT be out of the chat.');
        throw new ImError(400, 99992361, `open_id cross app: ${receiveId} is an open_id of another app`);
      }
      if (!recipient) {
        if (idType === 'chat_id') throw new ImError(400, 230002, 'Bot/User can NOT be out of the chat.');
        throw new ImError(400, 230013, `Bot has NO availability to this user (${idType} ${receiveId} does not exist).`);
      }
      const uuid = str(body.uuid);
      const uuidKey = uuid ? `${app.appId}:${uuid}` : undefined;
      const previous = uuidKey ? byUuid.get(uuidKey) : undefined;
      const original =
        previous && Date.now() - previous.at < UUID_WINDOW_MS ? state.messages.get(previous.messageId) : undefined;
      if (original) return sendJson(ctx.res, 200, { code: 0, msg: 'success', data: messageData(app, original) });

      if (recipient.person.blockedApps.has(app.appId)) {
        throw new ImError(400, 230053, 'The user has stopped the bot from sending messages to them.');
      }
      const decision = sim.limiter.take(`create:${recipient.openId}`, state.config.messageRatePerUser);
      if (!decision.ok) throw tooFast('more than messageRatePerUser messages per second to one user');

      const msgType = str(body.msg_type) ?? '';
      const content = parseContent(msgType, body, 'create');
      const message: SimMessage = {
        messageId: newMessageId(),
        appId: app.appId,
        openId: recipient.openId,
        chatId: recipient.chatId,
        msgType,
        content,
        createdAt: state.now(),
        seq: state.nextSeq(),
        updates: [],
        recalled: false,
        deleted: false,
      };
      state.addMessage(message);
      if (uuidKey) {
        if (Date.now() - uuidSweepAt > UUID_WINDOW_MS) {
          uuidSweepAt = Date.now();
          for (const [k, v] of byUuid) if (uuidSweepAt - v.at >= UUID_WINDOW_MS) byUuid.delete(k);
        }
        byUuid.set(uuidKey, { messageId: message.messageId, at: Date.now() });
      }
      app.stats.messagesCreated += 1;
      sim.log(`im: ${app.appId} ${msgType} message ${message.messageId} to ${recipient.person.name}`);
      sendJson(ctx.res, 200, { code: 0, msg: 'success', data: messageData(app, message) });
    }),
  );

  router.add(
    'PATCH',
    '/open-apis/im/v1/messages/:message_id',
    guarded('message_patch', async (ctx, app) => {
      const { state } = sim;
      const message = state.messages.get(ctx.params.message_id ?? '');
      if (!message) throw new ImError(400, 230001, `invalid message_id: ${ctx.params.message_id} does not exist`);
      if (message.appId !== app.appId) {
        throw new ImError(400, 230001, `invalid message_id: ${message.messageId} was not sent by app ${app.appId}`);
      }
      if (message.recalled) throw new ImError(400, 230011, 'The message was recalled.');
      if (message.deleted) throw new ImError(400, 230110, 'The message was deleted.');
      const decision = sim.limiter.take(`patch:${message.messageId}`, state.config.patchRatePerMessage);
      if (!decision.ok) throw tooFast('more than patchRatePerMessage updates per second to one message');
      if (message.msgType !== 'interactive') {
        throw new ImError(
          400,
          230001,
          `only interactive (card) messages can be updated, this one is ${message.msgType}`,
        );
      }
      if (state.now() - message.createdAt > state.config.messageUpdateWindowSeconds * 1000) {
        throw new ImError(400, 230031, 'the message was sent more than 14 days ago and can no longer be updated');
      }
      const body = await ctx.body();
      const card = parseContent('interactive', body, 'update');
      const problem = updateProblem(message.content, card);
      if (problem) throw new ImError(400, 230099, problem);
      state.applyUpdate(message, card, 'patch');
      app.stats.messagesPatched += 1;
      sendJson(ctx.res, 200, { code: 0, msg: 'success', data: {} });
    }),
  );
}

function parseContent(msgType: string, body: JsonObject, verb: 'create' | 'update'): JsonObject {
  if (!['text', 'interactive', 'post'].includes(msgType)) {
    throw new ImError(501, 230001, `msg_type ${msgType || '(missing)'} is not supported by the Feishu simulator`);
  }
  const raw = str(body.content);
  if (raw === undefined) throw new ImError(400, 99992402, 'field validation failed: content must be a JSON string');
  const max = msgType === 'text' ? TEXT_MAX_BYTES : CARD_MAX_BYTES;
  if (Buffer.byteLength(raw) > max) {
    throw new ImError(400, 230025, `The length of the message content reaches its limit (${max} bytes)`);
  }
  if (msgType === 'interactive') {
    try {
      const card = parseCardContent(raw);
      validateCard(card);
      return card;
    } catch (error) {
      if (!(error instanceof CardError)) throw error;
      throw new ImError(400, 230099, error.feishuMessage(verb));
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ImError(400, 230001, 'invalid message content: content is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ImError(400, 230001, 'invalid message content: content must be a JSON object');
  }
  const object = parsed as JsonObject;
  if (msgType === 'text' && typeof object.text !== 'string') {
    throw new ImError(400, 230001, 'invalid message content: a text message needs {"text":"…"}');
  }
  return object;
}

function isTemplate(card: unknown): boolean {
  return (card as JsonObject | undefined)?.type === 'template';
}

/**
 * Shared card ("update_multi"): templates are; other cards must say `config.update_multi: true`. (Feishu's docs
 * say JSON 2.0 cards default to true; the simulator insists on the explicit flag, as the service always sends it.)
 */
function isShared(card: unknown): boolean {
  if (isTemplate(card)) return true;
  const config = (card as JsonObject | undefined)?.config as JsonObject | undefined;
  return config?.update_multi === true;
}

export function isSchema2(card: unknown): boolean {
  return (card as JsonObject | undefined)?.schema === '2.0';
}

/** Why `next` cannot replace `current` (both already valid cards), or undefined. */
export function updateProblem(current: unknown, next: unknown): string | undefined {
  if (!isShared(current) || !isShared(next)) {
    return 'card update failed: config.update_multi must be true in both the sent card and the new card (shared card)';
  }
  if (isSchema2(current) && !isSchema2(next)) {
    return 'card update failed: a JSON 2.0 card cannot be turned into a JSON 1.0 card';
  }
  return undefined;
}

function messageData(app: SimApp, message: SimMessage): JsonObject {
  const created = String(message.createdAt);
  return {
    message_id: message.messageId,
    root_id: '',
    parent_id: '',
    msg_type: message.msgType,
    create_time: created,
    update_time: created,
    deleted: false,
    updated: false,
    chat_id: message.chatId,
    sender: { id: app.appId, id_type: 'app_id', sender_type: 'app', tenant_key: app.tenantKey },
    body: { content: JSON.stringify(message.content) },
    mentions: [],
    upper_message_id: '',
  };
}
