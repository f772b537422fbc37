import { CLUSTER_APP_SECRET, ReplicaCluster } from '../support/replica-cluster';

export { CLUSTER_APP_ID as APP_ID } from '../support/replica-cluster';
export const API_TOKEN = 'reliability-api-token-0123456789';

/**
 * The replicas of a reliability spec: an unthrottled simulator (no token budget, no per-app message limit), sweeps
 * every second within the service's own 50/s budget, the redirect flow.
 */
export class ReliabilityKit extends ReplicaCluster {
  constructor() {
    super({
      apiToken: API_TOKEN,
      simulator: { tokenRatePerSecond: 0, messageRatePerApp: 0 },
      env: {
        TOKEN_REFRESH_SWEEP_SECONDS: '1',
        FEISHU_TOKEN_RATE_PER_SECOND: '50',
        FEISHU_HTTP_TIMEOUT_MS: '2000',
        // The redirect flow (registered with the simulator): the specs drive callbacks and fuzz /callback.
        OAUTH_REDIRECT_URI: 'http://127.0.0.1:8000/callback',
      },
    });
  }

  /** Every secret the service knows: none may appear in a log line or a page. */
  secrets(): string[] {
    return [API_TOKEN, CLUSTER_APP_SECRET, this.keys.slice(3)];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
