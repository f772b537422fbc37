import { fixtureConfig, runJest } from '../support/jest-run';

// Issue #8: a passing run printed dozens of coloured DEBUG lines. Log lines appear only with a failing test.
describe('test output', () => {
  it("shows log lines only attached to a failing test's failure", async () => {
    const run = await runJest(['--config', await fixtureConfig('logs'), '--runInBand'], { LOG_LEVEL: '' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('Logs written up to this failure (LOG_LEVEL=debug prints them live):');
    expect(run.output).toContain('WARN [Fixture] line logged by the failing test');
    expect(run.output).not.toContain('line logged by the passing test');
  }, 120_000);

  it('prints every log line as it happens with LOG_LEVEL=debug', async () => {
    const run = await runJest(['--config', await fixtureConfig('logs'), '--runInBand'], { LOG_LEVEL: 'debug' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('line logged by the passing test');
    expect(run.output).toContain('line logged by the failing test');
  }, 120_000);
});
