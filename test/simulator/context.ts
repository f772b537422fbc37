import type { Faults } from './faults';
import type { OAuthStore } from './oauth-store';
import type { RateLimiter } from './rate-limit';
import type { SimState } from './state';
import type { WsHub } from './ws-server';

/** Everything a route module needs; built once per simulator instance. */
export interface SimContext {
  state: SimState;
  faults: Faults;
  oauth: OAuthStore;
  ws: WsHub;
  limiter: RateLimiter;
  log: (line: string) => void;
}
