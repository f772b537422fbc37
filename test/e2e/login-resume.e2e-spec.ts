import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { BotCommandsHandler } from '../../src/auth-session/bot-commands.handler';
import { BotMessageEvent } from '../../src/lark/lark-events';
import { startHarness, Harness } from '../support/app-harness';
import { authorizeUrlOf, consent, openPage } from '../support/flow';

/**
 * A `login` DM is resumed by another replica, under the same inbox id (which is also the session id), when the
 * process handling it dies. Here one process plays both: the first attempt runs in full, then the card's location
 * is erased, as if the process had died right after Feishu accepted the card and before the one UPDATE that saves it.
 */
describe('a login DM resumed after its process died around the card send', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
  }, 30_000);
  afterAll(async () => h?.close());

  function loginDm(openId: string): BotMessageEvent {
    return {
      appId: h.config.apps[0]!.appId,
      eventId: randomUUID(),
      messageId: `om_${randomUUID().replace(/-/g, '')}`,
      chatId: 'oc_resume',
      chatType: 'p2p',
      openId,
      messageType: 'text',
      text: 'login',
    };
  }

  async function cardsOf(openId: string) {
    return (await h.control.messages(openId)).filter((message) => message.msgType === 'interactive');
  }

  it('sends the same card again under the same key: one card in all, stored, and it authorizes the session', async () => {
    const user = await h.control.createUser('Resumed Rosa');
    const inboxId = randomUUID();
    const handler = h.app.get(BotCommandsHandler);
    const dataSource = h.app.get(DataSource);
    const location = async () =>
      (await dataSource.query('SELECT message_id FROM auth_sessions WHERE id = $1', [inboxId]))[0]?.message_id;

    await handler.handle(loginDm(user.openId), inboxId);
    const [sent] = await cardsOf(user.openId);
    expect(await location()).toBe(sent?.messageId);
    await dataSource.query('UPDATE auth_sessions SET message_id = NULL, chat_id = NULL WHERE id = $1', [inboxId]);

    await handler.handle(loginDm(user.openId), inboxId);
    const cards = await cardsOf(user.openId);
    expect(cards).toHaveLength(1);
    expect(await location()).toBe(sent?.messageId);
    const sessions = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body;
    expect(sessions).toMatchObject([{ id: inboxId, status: 'pending' }]);

    // The card the first attempt sent still authorizes this very session: the state is rebuilt, not replaced.
    expect((await openPage(await consent(h.control, user.openId, authorizeUrlOf(cards[0]!)))).status).toBe(200);
    expect((await h.api('GET', `/api/v1/auth-sessions/${inboxId}`)).body.status).toBe('completed');

    // Resumed once more after the session ended: nothing left to do.
    await handler.handle(loginDm(user.openId), inboxId);
    expect(await cardsOf(user.openId)).toHaveLength(1);
    expect((await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body).toHaveLength(1);
  });
});
