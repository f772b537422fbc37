/**
 * Undo steps for what a test set up, run last-first. A setup that fails half-way runs the steps it had registered,
 * so nothing it started (server, browser, schema, directory) outlives it.
 */
export class Cleanup {
  private readonly steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every step even when one fails; throws the failure(s) afterwards. */
  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]));
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} clean-up steps failed`);
  }

  /** Runs `setup`; when it throws, runs the steps registered so far and rethrows the setup's error. */
  async guard<T>(setup: () => Promise<T>): Promise<T> {
    try {
      return await setup();
    } catch (error) {
      await this.run().catch(() => undefined);
      throw error;
    }
  }
}
