// First: it makes PGlite loadable under jest (see the file).
import { AUTH_FLOWS } from '../../src/config/app-config';
import {
  createTestDataSource,
  createTestSchema,
  removeTempDir,
  TestDatabaseTarget,
  tempPgliteDir,
  TestSchema,
} from '../support/database';

import { DataSource } from 'typeorm';

import { AuthSession } from '../../src/auth-session/auth-session.entity';
import {
  AUTH_SESSION_REASONS,
  AUTH_SESSION_STATUSES,
  TERMINAL_AUTH_SESSION_STATUSES,
} from '../../src/auth-session/auth-session.vocabulary';
import { LOCALES } from '../../src/common/locale';
import { MIGRATIONS_TABLE } from '../../src/database/data-source';
import { MIGRATIONS } from '../../src/database/migrations';
import { runMigrations } from '../../src/database/run-migrations';
import { USER_TOKEN_STATUSES, UserToken } from '../../src/token-store/user-token.entity';
jest.setTimeout(60_000);

const MIGRATION_NAMES = MIGRATIONS.map((Migration) => new Migration().name);

const EXPECTED_COLUMNS: Record<string, string[]> = {
  auth_sessions: [
    'id uuid NO',
    'app_id text NO',
    'open_id text NO',
    'status text NO',
    'state_hash text NO',
    'pkce_verifier_enc bytea YES',
    'key_id text YES',
    'scopes _text NO',
    'locale text NO',
    'chat_id text YES',
    'message_id text YES',
    'reason text YES',
    'card_patch_pending bool NO',
    'created_at timestamptz NO',
    'expires_at timestamptz NO',
    'completed_at timestamptz YES',
    'updated_at timestamptz NO',
    'card_failure text YES',
    'flow text NO',
    'device_code_enc bytea YES',
    'user_code text YES',
    'verification_uri text YES',
    'poll_interval_seconds int4 YES',
    'next_poll_at timestamptz YES',
    'lease_owner text YES',
    'lease_until timestamptz YES',
  ],
  user_tokens: [
    'id uuid NO',
    'app_id text NO',
    'open_id text NO',
    'union_id text YES',
    'user_id text YES',
    'name text YES',
    'access_token_enc bytea YES',
    'refresh_token_enc bytea YES',
    'key_id text YES',
    'refresh_token_hash text YES',
    'scopes _text NO',
    'access_expires_at timestamptz NO',
    'refresh_expires_at timestamptz YES',
    'granted_at timestamptz NO',
    'refresh_due_at timestamptz NO',
    'status text NO',
    'lease_owner text YES',
    'lease_until timestamptz YES',
    'refresh_attempts int4 NO',
    'next_attempt_at timestamptz NO',
    'last_error text YES',
    'is_online bool YES',
    'last_checked_at timestamptz YES',
    'version int4 NO',
    'created_at timestamptz NO',
    'updated_at timestamptz NO',
    'refresh_sent_at timestamptz YES',
    'granted_by_session uuid YES',
  ],
  token_endpoint_budgets: ['app_id text NO', 'next_free_at timestamptz NO'],
  event_inbox: [
    'id uuid NO',
    'app_id text NO',
    'message_id text NO',
    'payload jsonb NO',
    'status text NO',
    'lease_owner text YES',
    'lease_until timestamptz YES',
    'attempts int4 NO',
    'last_error text YES',
    'created_at timestamptz NO',
    'updated_at timestamptz NO',
  ],
};

const backends: Array<[string, () => Promise<{ target: TestDatabaseTarget; cleanup(): Promise<void> }>]> = [
  [
    'Postgres',
    async () => {
      const schema: TestSchema = await createTestSchema();
      return { target: { schema: schema.schema }, cleanup: () => schema.drop() };
    },
  ],
  [
    'PGlite',
    () => {
      const dir = tempPgliteDir();
      return Promise.resolve({ target: { pgliteDir: dir }, cleanup: () => Promise.resolve(removeTempDir(dir)) });
    },
  ],
];

describe.each(backends)('migrations on an empty %s database', (_name, prepare) => {
  let dataSource: DataSource;
  let cleanup: () => Promise<void>;
  let seq = 0;

  const query = <T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]> =>
    dataSource.query(sql, parameters);

  const insertSession = (values: Record<string, unknown> = {}) => {
    seq += 1;
    const row = {
      app_id: 'cli_0123456789abcdef',
      open_id: 'ou_one',
      status: 'pending',
      state_hash: seq.toString(16).padStart(64, '0'),
      expires_at: new Date(Date.now() + 600_000),
      ...values,
    };
    const columns = Object.keys(row);
    return query(
      `INSERT INTO auth_sessions (${columns.join(', ')}) VALUES (${columns.map((_c, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(row),
    );
  };

  const insertToken = (values: Record<string, unknown>) => {
    seq += 1;
    const now = new Date();
    const row = {
      app_id: 'cli_0123456789abcdef',
      open_id: `ou_token_${seq}`,
      access_expires_at: now,
      granted_at: now,
      refresh_due_at: now,
      ...values,
    };
    const columns = Object.keys(row);
    return query(
      `INSERT INTO user_tokens (${columns.join(', ')}) VALUES (${columns.map((_c, i) => `$${i + 1}`).join(', ')})`,
      Object.values(row),
    );
  };

  beforeAll(async () => {
    const prepared = await prepare();
    cleanup = prepared.cleanup;
    dataSource = await createTestDataSource(prepared.target, { migrate: false });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await cleanup?.();
  });

  it('applies the migrations to an empty database', async () => {
    expect(
      await query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`),
    ).toEqual([]);
    const applied = await runMigrations(dataSource);
    expect(applied.map((migration) => migration.name)).toEqual(MIGRATION_NAMES);
  });

  it('creates the tables and the migrations table in the current schema', async () => {
    const tables = await query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.map((table) => table.table_name)).toEqual([
      'auth_sessions',
      'event_inbox',
      MIGRATIONS_TABLE,
      'token_endpoint_budgets',
      'user_tokens',
    ]);
  });

  it.each(Object.keys(EXPECTED_COLUMNS))(
    'gives %s exactly the columns of the data model (docs/architecture.md)',
    async (table) => {
      const columns = await query<{ line: string }>(
        `SELECT column_name || ' ' || udt_name || ' ' || is_nullable AS line FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      expect(columns.map((column) => column.line)).toEqual(EXPECTED_COLUMNS[table]);
    },
  );

  it('creates the unique, partial and sweep indexes', async () => {
    const indexes = await query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> $1`,
      [MIGRATIONS_TABLE],
    );
    const def = (name: string) => indexes.find((index) => index.indexname === name)?.indexdef ?? `(no ${name})`;
    expect(indexes.map((index) => index.indexname).sort()).toEqual([
      'ix_auth_sessions_cleanup',
      'ix_auth_sessions_device_due',
      'ix_auth_sessions_pending_expiry',
      'ix_auth_sessions_user_created',
      'ix_event_inbox_pending',
      'ix_user_tokens_refresh_due',
      'pk_auth_sessions',
      'pk_event_inbox',
      'pk_token_endpoint_budgets',
      'pk_user_tokens',
      'uq_auth_sessions_state_hash',
      'uq_event_inbox_app_message',
      'uq_user_tokens_app_open',
      'ux_auth_sessions_one_pending',
    ]);
    expect(def('uq_auth_sessions_state_hash')).toMatch(/UNIQUE INDEX .* \(state_hash\)$/);
    expect(def('uq_user_tokens_app_open')).toMatch(/UNIQUE INDEX .* \(app_id, open_id\)$/);
    expect(def('ux_auth_sessions_one_pending')).toMatch(
      /UNIQUE INDEX .* \(app_id, open_id\) WHERE \(status = 'pending'::text\)$/,
    );
    expect(def('ix_auth_sessions_user_created')).toMatch(/\(app_id, open_id, created_at DESC\)$/);
    expect(def('ix_auth_sessions_pending_expiry')).toMatch(/\(expires_at\) WHERE \(status = 'pending'::text\)$/);
    expect(def('ix_user_tokens_refresh_due')).toMatch(/\(app_id, refresh_due_at\) WHERE \(status = 'active'::text\)$/);
    for (const status of TERMINAL_AUTH_SESSION_STATUSES) {
      expect(def('ix_auth_sessions_cleanup')).toContain(`'${status}'`);
    }
    expect(def('ix_auth_sessions_cleanup')).not.toContain("'pending'");
    expect(def('ix_auth_sessions_device_due')).toMatch(
      /\(next_poll_at\) WHERE \(\(status = 'pending'::text\) AND \(flow = 'device'::text\)\)$/,
    );
  });

  it('creates check constraints that allow exactly the exported vocabularies', async () => {
    const checks = await query<{ conname: string; def: string }>(
      `SELECT c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND c.contype = 'c'`,
    );
    const def = (name: string) => checks.find((check) => check.conname === name)?.def ?? `(no ${name})`;
    expect(checks.map((check) => check.conname).sort()).toEqual([
      'ck_auth_sessions_device_key_id',
      'ck_auth_sessions_flow',
      'ck_auth_sessions_key_id',
      'ck_auth_sessions_locale',
      'ck_auth_sessions_reason',
      'ck_auth_sessions_status',
      'ck_event_inbox_status',
      'ck_user_tokens_key_id',
      'ck_user_tokens_refresh_attempts',
      'ck_user_tokens_secrets',
      'ck_user_tokens_status',
    ]);
    const vocabularies: Array<[string, readonly string[]]> = [
      ['ck_auth_sessions_status', AUTH_SESSION_STATUSES],
      ['ck_auth_sessions_reason', AUTH_SESSION_REASONS],
      ['ck_auth_sessions_locale', LOCALES],
      ['ck_auth_sessions_flow', AUTH_FLOWS],
      ['ck_user_tokens_status', USER_TOKEN_STATUSES],
    ];
    for (const [name, values] of vocabularies) {
      const quoted = def(name).match(/'[a-z_]+'/g) ?? [];
      expect([...new Set(quoted)].sort()).toEqual(values.map((value) => `'${value}'`).sort());
    }
  });

  it('allows only one pending session per user (partial unique index)', async () => {
    await insertSession({ open_id: 'ou_twice' });
    await expect(insertSession({ open_id: 'ou_twice' })).rejects.toMatchObject({
      code: '23505',
      constraint: 'ux_auth_sessions_one_pending',
    });
    await expect(insertSession({ open_id: 'ou_twice', status: 'superseded' })).resolves.toHaveLength(1);
    await expect(insertSession({ open_id: 'ou_other' })).resolves.toHaveLength(1);
  });

  it('rejects an unknown status or reason and a duplicate state hash', async () => {
    await expect(insertSession({ open_id: 'ou_bad', status: 'done' })).rejects.toMatchObject({ code: '23514' });
    await expect(insertSession({ open_id: 'ou_bad', status: 'failed', reason: 'oops' })).rejects.toMatchObject({
      code: '23514',
    });
    await insertSession({ open_id: 'ou_hash', state_hash: 'f'.repeat(64) });
    await expect(insertSession({ open_id: 'ou_hash2', state_hash: 'f'.repeat(64) })).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('keeps token secrets consistent with the status', async () => {
    const secret = Buffer.from('iv|tag|ciphertext');
    await expect(insertToken({ access_token_enc: secret, key_id: 'k1' })).resolves.toBeDefined();
    await expect(insertToken({ access_token_enc: null })).rejects.toMatchObject({ code: '23514' });
    await expect(insertToken({ access_token_enc: secret })).rejects.toMatchObject({ code: '23514' });
    await expect(
      insertToken({ status: 'reauth_required', refresh_token_enc: secret, key_id: 'k1' }),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(insertToken({ status: 'invalidated' })).resolves.toBeDefined();
  });

  it('round-trips entities through TypeORM (bytea as Buffer, text[] as array, defaults)', async () => {
    const sessions = dataSource.getRepository(AuthSession);
    const saved = await sessions.save(
      sessions.create({
        appId: 'cli_0123456789abcdef',
        openId: 'ou_entity',
        stateHash: 'e'.repeat(64),
        pkceVerifierEnc: Buffer.from([0, 1, 2, 255]),
        keyId: 'k1',
        scopes: ['auth:user.id:read', 'offline_access'],
        expiresAt: new Date('2030-01-01T00:00:00Z'),
      }),
    );
    const session = await sessions.findOneByOrFail({ id: saved.id });
    expect(session).toMatchObject({
      status: 'pending',
      locale: 'zh_cn',
      cardPatchPending: false,
      chatId: null,
      reason: null,
      completedAt: null,
      scopes: ['auth:user.id:read', 'offline_access'],
      expiresAt: new Date('2030-01-01T00:00:00Z'),
    });
    expect(Buffer.isBuffer(session.pkceVerifierEnc)).toBe(true);
    expect(session.pkceVerifierEnc).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(session.createdAt).toBeInstanceOf(Date);

    const tokens = dataSource.getRepository(UserToken);
    const now = new Date();
    const token = await tokens.save(
      tokens.create({
        appId: 'cli_0123456789abcdef',
        openId: 'ou_entity',
        accessTokenEnc: Buffer.from('a'),
        refreshTokenEnc: Buffer.from('r'),
        keyId: 'k1',
        accessExpiresAt: now,
        grantedAt: now,
        refreshDueAt: now,
      }),
    );
    expect(token).toMatchObject({ status: 'active', version: 1, refreshAttempts: 0, isOnline: null, scopes: [] });
    token.isOnline = true;
    await tokens.save(token);
    expect(await tokens.findOneByOrFail({ id: token.id })).toMatchObject({ version: 2, isOnline: true });
  });

  it('leaves no difference between the entities and the migrated schema (drift check)', async () => {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('runs nothing the second time', async () => {
    expect(await runMigrations(dataSource)).toEqual([]);
    const names = await query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    expect(names.map((row) => row.name)).toEqual(MIGRATION_NAMES);
  });

  it('reverts cleanly with down, and applies again afterwards', async () => {
    for (let i = 0; i < MIGRATIONS.length; i += 1) await dataSource.undoLastMigration({ transaction: 'all' });
    const tables = await query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    expect(tables.map((table) => table.table_name)).toEqual([MIGRATIONS_TABLE]);
    expect(await query(`SELECT name FROM ${MIGRATIONS_TABLE}`)).toEqual([]);
    expect(await runMigrations(dataSource)).toHaveLength(MIGRATIONS.length);
  });
});
