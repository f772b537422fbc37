import { Clock } from '../../src/common/clock';

export interface FakeClockOptions {
  start?: Date;
  /**
   * `sleep(ms)` moves time forward by `ms` and returns at once (for code under test that backs off);
   * `sleepUntil(deadline)` moves it to the deadline, so concurrent sleepers end at the latest deadline, not the sum.
   */
  autoAdvance?: boolean;
}

/**
 * A Clock that only moves when told to. `sleep` resolves once `advance` has moved time past its deadline (or at
 * once with `autoAdvance`), so code that waits (long polls, retry back-off) runs in tests without real waiting.
 */
export class FakeClock extends Clock {
  private current: number;
  private readonly autoAdvance: boolean;
  private readonly sleepers: Array<{ until: number; wake: () => void }> = [];

  constructor(options: FakeClockOptions = {}) {
    super();
    this.current = (options.start ?? new Date('2026-06-01T08:00:00Z')).getTime();
    this.autoAdvance = options.autoAdvance ?? false;
  }

  override now(): Date {
    return new Date(this.current);
  }

  override sleep(ms: number): Promise<void> {
    if (this.autoAdvance) {
      this.advance(Math.max(0, ms));
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.sleepers.push({ until: this.current + Math.max(0, ms), wake: resolve });
      this.wakeDue();
    });
  }

  override sleepUntil(deadline: Date): Promise<void> {
    if (!this.autoAdvance) return super.sleepUntil(deadline);
    if (deadline.getTime() > this.current) this.advance(deadline.getTime() - this.current);
    return Promise.resolve();
  }

  /** Moves time forward and wakes every sleeper whose deadline passed. */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error(`FakeClock cannot advance by ${ms} ms`);
    this.current += ms;
    this.wakeDue();
  }

  set(date: Date): void {
    if (!Number.isFinite(date.getTime())) throw new Error('FakeClock cannot be set to an invalid date');
    this.current = date.getTime();
    this.wakeDue();
  }

  /** Sleepers still waiting (a test can assert that code is waiting rather than spinning). */
  get waiting(): number {
    return this.sleepers.length;
  }

  private wakeDue(): void {
    for (let i = this.sleepers.length - 1; i >= 0; i -= 1) {
      const sleeper = this.sleepers[i];
      if (sleeper && sleeper.until <= this.current) {
        this.sleepers.splice(i, 1);
        sleeper.wake();
      }
    }
  }
}
