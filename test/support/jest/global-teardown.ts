import { RUN_STATE_KEY, type RunState } from './global-setup';

const EXIT_GRACE_MS = 5_000;

/**
 * Stops the embedded Postgres if global-setup started one, then makes sure the run ends: the test environment
 * has already failed any file that left a handle open, and if something still keeps the process alive a few
 * seconds from now, the run exits with a failure instead of waiting forever (jest's forceExit would also exit
 * a passing run early, with a misleading hint).
 */
export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[RUN_STATE_KEY] as RunState | undefined;
  const embedded = state?.embedded;
  if (state) state.embedded = undefined;
  await embedded?.stop();
  setTimeout(() => {
    process.stderr.write(
      `\nThe test run was still kept alive ${EXIT_GRACE_MS / 1000} s after it ended (open handles): exiting with a failure.\n`,
    );
    process.exit(1);
  }, EXIT_GRACE_MS).unref();
}
