export type RateDecision = { ok: true } | { ok: false; resetSeconds: number };

const WINDOW_MS = 1000;

/** Sliding one-second windows per key; only admitted calls count, so a client that waits the reset time gets in. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private calls = 0;

  take(key: string, limitPerSecond: number, now = Date.now()): RateDecision {
    if (++this.calls % 10_000 === 0) this.sweep(now);
    if (!(limitPerSecond > 0)) return { ok: true };
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (recent.length >= limitPerSecond) {
      this.hits.set(key, recent);
      const oldest = recent[0] ?? now;
      return { ok: false, resetSeconds: Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    return { ok: true };
  }

  private sweep(now: number): void {
    for (const [key, times] of this.hits) {
      if (times.every((t) => now - t >= WINDOW_MS)) this.hits.delete(key);
    }
  }
}

/**
 * Highest number of arrivals within any sliding one-second window. Each arrival closes the window that ends at
 * it, and the busiest window always ends at an arrival, so the maximum over those windows is the maximum over all
 * windows. Monotonic time: a wall-clock step cannot merge or split windows.
 */
export class PeakRate {
  private arrivals: number[] = [];
  private head = 0;
  peak = 0;

  record(now = performance.now()): void {
    this.arrivals.push(now);
    while (this.head < this.arrivals.length && now - (this.arrivals[this.head] ?? now) >= WINDOW_MS) this.head += 1;
    this.peak = Math.max(this.peak, this.arrivals.length - this.head);
    if (this.head > 4096) {
      this.arrivals = this.arrivals.slice(this.head);
      this.head = 0;
    }
  }

  reset(): void {
    this.arrivals = [];
    this.head = 0;
    this.peak = 0;
  }
}

export const RATE_LIMIT_BODY = { code: 99991400, msg: 'request trigger frequency limit' };

export function rateLimitHeaders(resetSeconds: number, limit: number): Record<string, string> {
  return { 'x-ogw-ratelimit-reset': String(resetSeconds), 'x-ogw-ratelimit-limit': String(limit) };
}
