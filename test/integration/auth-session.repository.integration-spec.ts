import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { AuthSession } from '../../src/auth-session/auth-session.entity';
import { AuthSessionRepository } from '../../src/auth-session/auth-session.repository';
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

describe.each(['postgres', 'pglite'] as const)('AuthSessionRepository on %s', (kind) => {
  let dataSource: DataSource;
  let sessions: AuthSessionRepository;
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
    sessions = new AuthSessionRepository(dataSource.getRepository(AuthSession));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await cleanup?.();
  });
  beforeEach(() => dataSource.query('TRUNCATE auth_sessions'));

  function newSession(overrides: Partial<AuthSession> = {}): Promise<AuthSession> {
    return sessions.insert(
      {
        appId: APP,
        openId: `ou_${randomBytes(6).toString('hex')}`,
        status: 'pending',
        stateHash: randomBytes(32).toString('hex'),
        pkceVerifierEnc: Buffer.from('ciphertext'),
        keyId: 'k1',
        scopes: ['offline_access'],
        locale: 'en_us',
        expiresAt: at(600),
        ...overrides,
      },
      T0,
    );
  }

  describe('claimForExchange', () => {
    it('claims a live pending session exactly once, even when asked concurrently', async () => {
      const session = await newSession();
      const claims = await Promise.all(
        Array.from({ length: 8 }, () => sessions.claimForExchange(session.stateHash, at(10))),
      );
      const won = claims.filter((claim) => claim !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ id: session.id, status: 'exchanging' });
      expect(won[0]?.updatedAt.toISOString()).toBe(at(10).toISOString());
      expect(won[0]?.pkceVerifierEnc).toEqual(Buffer.from('ciphertext'));
    });

    it('does not claim a session whose expiry has passed by the given clock, nor one that is not pending', async () => {
      const late = await newSession();
      expect(await sessions.claimForExchange(late.stateHash, at(600))).toBeUndefined();
      const declined = await newSession({ status: 'rejected' });
      expect(await sessions.claimForExchange(declined.stateHash, at(1))).toBeUndefined();
      expect(await sessions.claimForExchange('0'.repeat(64), at(1))).toBeUndefined();
      expect((await sessions.findById(APP, late.id))?.status).toBe('pending');
    });
  });

  describe('transition', () => {
    it('moves a session only from the listed statuses and drops the verifier once it is not pending', async () => {
      const session = await newSession();
      const done = await sessions.transition(APP, session.id, ['pending'], 'completed', at(20), {
        reason: null,
        completedAt: at(20),
      });
      expect(done).toMatchObject({ status: 'completed', reason: null, pkceVerifierEnc: null });
      expect(done?.completedAt?.toISOString()).toBe(at(20).toISOString());
      expect(await sessions.transition(APP, session.id, ['pending'], 'rejected', at(21))).toBeUndefined();
      expect((await sessions.findById(APP, session.id))?.status).toBe('completed');
    });

    it('never touches another app’s session', async () => {
      const session = await newSession();
      expect(await sessions.transition(OTHER_APP, session.id, ['pending'], 'rejected', at(1))).toBeUndefined();
      expect(await sessions.findById(OTHER_APP, session.id)).toBeNull();
      expect((await sessions.findById(APP, session.id))?.status).toBe('pending');
    });

    it('sets and clears the card-patch flag', async () => {
      const session = await newSession({ status: 'completed' });
      await sessions.transition(APP, session.id, ['completed'], 'invalidated', at(5), {
        reason: 'admin',
        cardPatchPending: true,
      });
      expect((await sessions.findCardPatchPending(APP, 10)).map((row) => row.id)).toEqual([session.id]);
      await sessions.setCardPatchPending(APP, session.id, false, at(6));
      expect(await sessions.findCardPatchPending(APP, 10)).toEqual([]);
    });
  });

  describe('expireOverdue', () => {
    it('expires only pending sessions past their expiry, of this app, up to the limit', async () => {
      const overdue = await Promise.all([newSession({ expiresAt: at(60) }), newSession({ expiresAt: at(61) })]);
      const third = await newSession({ expiresAt: at(62) });
      const live = await newSession({ expiresAt: at(600) });
      const done = await newSession({ status: 'completed', expiresAt: at(1) });
      const foreign = await newSession({ appId: OTHER_APP, expiresAt: at(1) });

      const first = await sessions.expireOverdue(APP, at(100), 2);
      expect(first.map((row) => row.id).sort()).toEqual(overdue.map((row) => row.id).sort());
      expect(first.every((row) => row.status === 'expired' && row.reason === 'expired')).toBe(true);
      const second = await sessions.expireOverdue(APP, at(100), 2);
      expect(second.map((row) => row.id)).toEqual([third.id]);
      expect(await sessions.expireOverdue(APP, at(100), 2)).toEqual([]);

      expect((await sessions.findById(APP, live.id))?.status).toBe('pending');
      expect((await sessions.findById(APP, done.id))?.status).toBe('completed');
      expect((await sessions.findById(OTHER_APP, foreign.id))?.status).toBe('pending');
    });
  });

  describe('failStuckExchanges', () => {
    it('fails sessions left exchanging since before the cutoff, and only those', async () => {
      const stuck = await newSession();
      await sessions.claimForExchange(stuck.stateHash, at(10));
      const recent = await newSession();
      await sessions.claimForExchange(recent.stateHash, at(200));

      const failed = await sessions.failStuckExchanges(APP, at(250), at(130));
      expect(failed.map((row) => row.id)).toEqual([stuck.id]);
      expect(failed[0]).toMatchObject({ status: 'failed', reason: 'internal', pkceVerifierEnc: null });
      expect((await sessions.findById(APP, recent.id))?.status).toBe('exchanging');
    });
  });

  it('supersedes the user’s pending sessions and counts what is pending per app', async () => {
    const openId = 'ou_superseded_user';
    const old = await newSession({ openId });
    await newSession({ appId: OTHER_APP, openId });
    const superseded = await sessions.supersedePending(APP, openId, at(30));
    expect(superseded.map((row) => row.id)).toEqual([old.id]);
    expect(superseded[0]).toMatchObject({ status: 'superseded', reason: 'superseded' });
    expect(await sessions.countPending(APP)).toBe(0);
    expect(await sessions.countPending(OTHER_APP)).toBe(1);
  });
});
