import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { sha256Hex } from '../../src/common/sha256';
import { parseEncryptionKeys } from '../../src/config/encryption-keys';
import { SimControlClient, Simulator, startSimulator } from '../simulator';
import { createTestDataSource, createTestSchema, TestSchema } from '../support/database';
import { Replica, startReplica } from '../support/replica';
import { SeededUser, seedAuthorizedUsers } from '../support/seed-tokens';

export const APP_ID = 'cli_0123456789abcdef';
export const API_TOKEN = 'reliability-api-token-0123456789';
export const APP_SECRET = 'sim-app-secret';

/** One simulator, one schema and the service's settings, for a reliability spec; replicas are separate processes. */
export class ReliabilityKit {
  readonly keys = `k1:${randomBytes(32).toString('base64')}`;
  readonly replicas: Replica[] = [];
  sim!: Simulator;
  control!: SimControlClient;
  schema!: TestSchema;
  dataSource!: DataSource;

  async start(): Promise<void> {
    this.sim = await startSimulator({ quiet: true });
    this.control = new SimControlClient(this.sim.url);
    await this.control.config({ tokenRatePerSecond: 0, messageRatePerApp: 0 });
    this.schema = await createTestSchema();
    this.dataSource = await createTestDataSource({ schema: this.schema.schema });
  }

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

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      LARK_APP_ID: APP_ID,
      LARK_APP_SECRET: APP_SECRET,
      LARK_DOMAIN: this.sim.url,
      DATABASE_URL: this.schema.url,
      TOKEN_ENCRYPTION_KEYS: this.keys,
      API_TOKENS: API_TOKEN,
      TOKEN_REFRESH_SWEEP_SECONDS: '1',
      FEISHU_TOKEN_RATE_PER_SECOND: '50',
      FEISHU_HTTP_TIMEOUT_MS: '2000',
      ...extra,
    };
  }

  async replica(name: string, extra: Record<string, string> = {}): Promise<Replica> {
    const started = await startReplica(name, this.env(extra));
    this.replicas.push(started);
    return started;
  }

  async seed(count: number, prefix: string, dueInSeconds = -60): Promise<SeededUser[]> {
    const parsed = parseEncryptionKeys(this.keys);
    if (!parsed.ok) throw new Error('bad test key');
    return seedAuthorizedUsers({
      control: this.control,
      dataSource: this.dataSource,
      keys: parsed.value,
      appId: APP_ID,
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

  /** Every secret the service knows: none may appear in a log line or a page. */
  secrets(): string[] {
    return [API_TOKEN, APP_SECRET, this.keys.slice(3)];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
