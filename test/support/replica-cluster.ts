import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { sha256Hex } from '../../src/common/sha256';
import { parseEncryptionKeys } from '../../src/config/encryption-keys';
import {
  SimConfigChanges,
  SimControlClient,
  SimMessageView,
  SimUserRecord,
  Simulator,
  startSimulator,
} from '../simulator';
import { createTestDataSource, createTestSchema, TestSchema } from './database';
import { Replica, startReplica } from './replica';
import { SeededUser, seedAuthorizedUsers } from './seed-tokens';

export const CLUSTER_APP_ID = 'cli_0123456789abcdef';
export const CLUSTER_APP_SECRET = 'sim-app-secret';

export interface ReplicaClusterOptions {
  /** The API token every replica accepts. */
  apiToken: string;
  /** Simulator settings applied once it runs (e.g. no token budget). */
  simulator?: SimConfigChanges;
  /** Settings every replica gets on top of the app, database and keys. */
  env?: Record<string, string>;
}

/**
 * One simulator, one Postgres schema and one encryption key shared by service processes started on demand: what
 * every test of several replicas (and the benchmarks) sets up before starting them.
 */
export class ReplicaCluster {
  readonly keys = `k1:${randomBytes(32).toString('base64')}`;
  readonly replicas: Replica[] = [];
  sim!: Simulator;
  control!: SimControlClient;
  schema!: TestSchema;
  dataSource!: DataSource;

  constructor(private readonly options: ReplicaClusterOptions) {}

  get apiToken(): string {
    return this.options.apiToken;
  }

  async start(): Promise<this> {
    this.sim = await startSimulator({ quiet: true });
    this.control = new SimControlClient(this.sim.url);
    if (this.options.simulator) await this.control.config(this.options.simulator);
    this.schema = await createTestSchema();
    this.dataSource = await createTestDataSource({ schema: this.schema.schema });
    return this;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      LARK_APP_ID: CLUSTER_APP_ID,
      LARK_APP_SECRET: CLUSTER_APP_SECRET,
      LARK_DOMAIN: this.sim.url,
      DATABASE_URL: this.schema.url,
      TOKEN_ENCRYPTION_KEYS: this.keys,
      API_TOKENS: this.options.apiToken,
      ...this.options.env,
      ...extra,
    };
  }

  async replica(name: string, extra: Record<string, string> = {}): Promise<Replica> {
    const started = await startReplica(name, this.env(extra));
    this.replicas.push(started);
    return started;
  }

  /** A new simulator user, and an authorization session for them created through `replica`'s REST API. */
  async sendCard(
    replica: Replica,
    name: string,
  ): Promise<{ user: SimUserRecord; sessionId: string; card: SimMessageView }> {
    const user = await this.control.createUser(name);
    const created = await fetch(`${replica.baseUrl}/api/v1/auth-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ openId: user.openId, appId: CLUSTER_APP_ID }),
    });
    const body = (await created.json()) as { id?: string };
    if (created.status !== 201 || !body.id) throw new Error(`POST /api/v1/auth-sessions answered ${created.status}`);
    const [card] = await this.control.messages(user.openId);
    if (!card) throw new Error(`no card for ${name}`);
    return { user, sessionId: body.id, card };
  }

  /** SIGKILL for every replica still running (a failed test must not leave them working on the next one's rows). */
  async killAll(): Promise<void> {
    for (const replica of this.replicas.splice(0)) {
      replica.kill('SIGKILL');
      await replica.exited;
    }
  }

  async stop(): Promise<void> {
    await this.killAll();
    await this.dataSource?.destroy();
    await this.schema?.drop();
    await this.sim?.close();
  }

  /** Users with stored tokens, as a completed authorization leaves them; due for refresh by default. */
  async seed(count: number, prefix: string, dueInSeconds = -60): Promise<SeededUser[]> {
    const parsed = parseEncryptionKeys(this.keys);
    if (!parsed.ok) throw new Error('bad test key');
    return seedAuthorizedUsers({
      control: this.control,
      dataSource: this.dataSource,
      keys: parsed.value,
      appId: CLUSTER_APP_ID,
      count,
      dueInSeconds,
      namePrefix: prefix,
    });
  }

  /** Refreshed (active with a new refresh token), flagged (reauth_required) or untouched, of the seeded users. */
  async states(users: SeededUser[]): Promise<{ rotated: number; reauth: number; untouched: number }> {
    const rows: Array<{ open_id: string; status: string; refresh_token_hash: string | null }> =
      await this.dataSource.query(
        `SELECT open_id, status, refresh_token_hash FROM user_tokens WHERE open_id = ANY($1)`,
        [users.map((user) => user.openId)],
      );
    const seeded = new Map(users.map((user) => [user.openId, sha256Hex(user.refreshToken)]));
    let rotated = 0;
    let reauth = 0;
    for (const row of rows) {
      if (row.status === 'reauth_required') reauth += 1;
      else if (row.status === 'active' && row.refresh_token_hash !== seeded.get(row.open_id)) rotated += 1;
    }
    return { rotated, reauth, untouched: users.length - rotated - reauth };
  }
}
