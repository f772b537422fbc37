import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { parseEncryptionKeys } from '../../src/config/encryption-keys';
import { SimControlClient, Simulator, startSimulator } from '../../test/simulator';
import { createTestDataSource, createTestSchema, TestSchema } from '../../test/support/database';
import { SeededUser, seedAuthorizedUsers } from '../../test/support/seed-tokens';
import { Service, startService } from './service';

export const APP_ID = 'cli_0123456789abcdef';
export const API_TOKEN = 'bench-api-token-0123456789abcdef';

/** One benchmark's line in bench/results/latest.json. */
export interface BenchResult {
  name: string;
  figure: number;
  unit: string;
  baseline: number;
  /** figure/baseline for throughputs; limit/figure for figures that have a limit (≥ 1 is within it). */
  ratio: number;
  goal: number;
  pass: boolean;
  extra: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

/** What every benchmark shares: the simulator (unthrottled), one Postgres schema, keys and service settings. */
export class BenchContext {
  readonly keys = `k1:${randomBytes(32).toString('base64')}`;
  private constructor(
    readonly quick: boolean,
    readonly sim: Simulator,
    readonly control: SimControlClient,
    readonly schema: TestSchema,
    readonly dataSource: DataSource,
  ) {}

  static async create(quick: boolean): Promise<BenchContext> {
    const sim = await startSimulator({ quiet: true });
    const control = new SimControlClient(sim.url);
    // Unthrottled: no token endpoint budget, no per-app message limit (per-user limits stay; every user is distinct).
    await control.config({ tokenRatePerSecond: 0, messageRatePerApp: 0 });
    const schema = await createTestSchema();
    const dataSource = await createTestDataSource({ schema: schema.schema });
    return new BenchContext(quick, sim, control, schema, dataSource);
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      LARK_APP_ID: APP_ID,
      LARK_APP_SECRET: 'sim-app-secret',
      LARK_DOMAIN: this.sim.url,
      DATABASE_URL: this.schema.url,
      TOKEN_ENCRYPTION_KEYS: this.keys,
      API_TOKENS: API_TOKEN,
      ...extra,
    };
  }

  /**
   * A service process. Its OAUTH_REDIRECT_URI stays the default (registered with the simulator); the benchmark sends
   * the browser's callback request to the process's own port.
   */
  service(name: string, extra: Record<string, string> = {}): Promise<Service> {
    return startService(name, this.env(extra));
  }

  async resetTables(): Promise<void> {
    await this.dataSource.query('TRUNCATE auth_sessions, user_tokens');
  }

  seed(count: number, dueInSeconds: number, prefix: string): Promise<SeededUser[]> {
    const parsed = parseEncryptionKeys(this.keys);
    if (!parsed.ok) throw new Error('bad bench key');
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

  async close(): Promise<void> {
    await this.dataSource.destroy();
    await this.schema.drop();
    await this.sim.close();
  }
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function authHeader(): Record<string, string> {
  return { authorization: `Bearer ${API_TOKEN}` };
}
