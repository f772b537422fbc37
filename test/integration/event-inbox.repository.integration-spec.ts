import { DataSource } from 'typeorm';

import { EventInboxEntry } from '../../src/auth-session/event-inbox.entity';
import { EventInboxRepository } from '../../src/auth-session/event-inbox.repository';
import { BotMessageEvent } from '../../src/lark/lark-events';
import {
  createTestDataSource,
  createTestSchema,
  removeTempDir,
  tempPgliteDir,
  TestDatabaseTarget,
} from '../support/database';

jest.setTimeout(60_000);

const APP = 'cli_0123456789abcdef';
const OTHER_APP = 'cli_fedcba9876543210';
const T0 = new Date('2026-06-01T08:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function dm(messageId: string, appId = APP): BotMessageEvent {
  return {
    appId,
    eventId: `ev_${messageId}`,
    messageId,
    chatId: 'oc_1',
    chatType: 'p2p',
    openId: 'ou_1',
    messageType: 'text',
    text: 'login',
  };
}

describe.each(['postgres', 'pglite'] as const)('EventInboxRepository on %s', (kind) => {
  let dataSource: DataSource;
  let inbox: EventInboxRepository;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let target: TestDatabaseTarget;
    if (kind === 'postgres') {
      const schema = await createTestSchema();
      target = { schema: schema.schema };
      cleanup = () => schema.drop();
    } else {
      const dir = tempPgliteDir();
      target = { pgliteDir: dir };
      cleanup = async () => removeTempDir(dir);
    }
    dataSource = await createTestDataSource(target);
    inbox = new EventInboxRepository(dataSource.getRepository(EventInboxEntry));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await cleanup?.();
  });
  beforeEach(() => dataSource.query('TRUNCATE event_inbox'));

  it('stores a message once per app and message_id, leased to its first writer', async () => {
    const first = await inbox.accept(dm('om_1'), 'a', at(0), at(45));
    expect(first).toMatchObject({ event: dm('om_1'), attempts: 0 });
    // The same message again (new event_id, any replica): nothing is written.
    expect(await inbox.accept({ ...dm('om_1'), eventId: 'ev_other' }, 'b', at(1), at(46))).toBeUndefined();
    // The same message_id in another app is another message.
    expect(await inbox.accept(dm('om_1', OTHER_APP), 'b', at(1), at(46))).toBeDefined();
    expect(await inbox.countPending(APP)).toBe(1);
  });

  it('hands out a message again only once its lease ran out, to one claimer', async () => {
    await inbox.accept(dm('om_2'), 'dead', at(0), at(45));
    expect(await inbox.claimLeftovers(APP, 'b', at(10), at(55), 10)).toEqual([]);
    const [first, second] = await Promise.all([
      inbox.claimLeftovers(APP, 'b', at(46), at(91), 10),
      inbox.claimLeftovers(APP, 'c', at(46), at(91), 10),
    ]);
    expect([...first, ...second].map((message) => message.event.messageId)).toEqual(['om_2']);
  });

  it('done is final; a failed attempt backs off and the last one ends as failed', async () => {
    const message = (await inbox.accept(dm('om_3'), 'a', at(0), at(45)))!;
    await inbox.markFailedAttempt(message.id, 'a', at(1), at(11), 'boom', false);
    expect(await inbox.claimLeftovers(APP, 'b', at(5), at(50), 10)).toEqual([]);
    const [retry] = await inbox.claimLeftovers(APP, 'b', at(12), at(57), 10);
    expect(retry).toMatchObject({ id: message.id, attempts: 1 });
    // Only the lease holder may finish it.
    await inbox.markDone(message.id, 'a', at(13));
    expect(await inbox.countPending(APP)).toBe(1);
    await inbox.markFailedAttempt(message.id, 'b', at(13), at(33), 'boom again', true);
    expect(await inbox.countPending(APP)).toBe(0);
    const [row] = await dataSource.query(`SELECT status, attempts, last_error FROM event_inbox`);
    expect(row).toEqual({ status: 'failed', attempts: 2, last_error: 'boom again' });

    const done = (await inbox.accept(dm('om_4'), 'a', at(20), at(65)))!;
    await inbox.markDone(done.id, 'a', at(21));
    expect(await inbox.claimLeftovers(APP, 'b', at(100), at(145), 10)).toEqual([]);
    expect(await inbox.deleteHandledBefore(at(50), 10)).toBe(2);
  });

  it('gives back what a shutting-down owner holds', async () => {
    await inbox.accept(dm('om_5'), 'a', at(0), at(45));
    expect(await inbox.release('a')).toBe(1);
    expect(await inbox.claimLeftovers(APP, 'b', at(1), at(46), 10)).toHaveLength(1);
  });
});
