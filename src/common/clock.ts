import { DynamicModule, Global, Injectable, Module } from '@nestjs/common';

/**
 * The service's only source of time: stored timestamps, expiry checks and waits all go through it, so tests can
 * move time instead of sleeping. SQL never calls now(); it gets the time from here as a parameter.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  /** Resolves after `ms` of this clock's time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }

  /** Resolves once this clock reads `deadline` or later. */
  sleepUntil(deadline: Date): Promise<void> {
    return this.sleep(deadline.getTime() - this.now().getTime());
  }
}

/** One Clock for the whole app; tests pass their own (a FakeClock) to move time. */
@Global()
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = new Clock()): DynamicModule {
    return { module: ClockModule, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
  }
}
