import { ReplicaCluster } from '../../test/support/replica-cluster';
import { Service, startService } from './service';

export { CLUSTER_APP_ID as APP_ID } from '../../test/support/replica-cluster';
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
export class BenchContext extends ReplicaCluster {
  private constructor(readonly quick: boolean) {
    // Unthrottled: no token endpoint budget, no per-app message limit (per-user limits stay; every user is distinct).
    // The redirect flow, on a redirect URI the simulator has registered: the callback benchmark needs it.
    super({
      apiToken: API_TOKEN,
      simulator: { tokenRatePerSecond: 0, messageRatePerApp: 0 },
      env: { OAUTH_REDIRECT_URI: 'http://127.0.0.1:8000/callback' },
    });
  }

  static create(quick: boolean): Promise<BenchContext> {
    return new BenchContext(quick).start();
  }

  /**
   * A service process. Its OAUTH_REDIRECT_URI points at port 8000 (registered with the simulator); the benchmark
   * sends the browser's callback request to the process's own port.
   */
  service(name: string, extra: Record<string, string> = {}): Promise<Service> {
    return startService(name, this.env(extra));
  }

  async resetTables(): Promise<void> {
    await this.dataSource.query('TRUNCATE auth_sessions, user_tokens');
  }

  close(): Promise<void> {
    return this.stop();
  }
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function authHeader(): Record<string, string> {
  return { authorization: `Bearer ${API_TOKEN}` };
}
