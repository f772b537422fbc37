// callback: the browser's GET /callback?code&state for users with pending sessions and real codes from the
// simulator, at c=16 (throughput) and c=4 (latency); baseline = pgbench running the SQL one callback runs (insert
// session, claim once, upsert token, complete) in the same run. Reports where the CPU goes.
import { authorizeUrlOf } from '../test/support/flow';
import { authHeader, APP_ID, BenchContext, Benchmark, BenchResult, round } from './lib/context';
import { httpRequest, keepAliveAgent, runLoad } from './lib/load';
import { sqlBaseline } from './lib/pgbench';
import { postgresCpuMs, Service } from './lib/service';
import { createUsers } from './session-create.bench';

const CALLBACK_SQL = [
  '\\set n random(1, 1000000000000)',
  'INSERT INTO auth_sessions (app_id, open_id, status, state_hash, pkce_verifier_enc, key_id, scopes, locale,',
  '  expires_at, created_at, updated_at)',
  "  VALUES ('cli_bench', 'ou_' || :n::text, 'pending', 'h' || :n::text, '\\x00112233445566778899aabbccddeeff',",
  "  'k1', '{offline_access}', 'zh_cn', now() + interval '10 minutes', now(), now());",
  "UPDATE auth_sessions SET status = 'exchanging', updated_at = now()",
  "  WHERE state_hash = 'h' || :n::text AND status = 'pending' AND expires_at > now() RETURNING *;",
  'BEGIN;',
  'INSERT INTO user_tokens (app_id, open_id, name, access_token_enc, refresh_token_enc, key_id, refresh_token_hash,',
  '  scopes, access_expires_at, refresh_expires_at, granted_at, refresh_due_at, status, next_attempt_at, created_at,',
  '  updated_at)',
  "  VALUES ('cli_bench', 'ou_' || :n::text, 'Bench', '\\x00112233', '\\x00112233', 'k1', md5(:n::text), '{offline_access}',",
  "  now() + interval '2 hours', now() + interval '30 days', now(), now() + interval '1 hour', 'active', now(), now(),",
  '  now())',
  '  ON CONFLICT (app_id, open_id) DO UPDATE SET access_token_enc = EXCLUDED.access_token_enc,',
  '  refresh_token_enc = EXCLUDED.refresh_token_enc, version = user_tokens.version + 1, updated_at = now();',
  "UPDATE auth_sessions SET status = 'completed', completed_at = now(), pkce_verifier_enc = NULL, updated_at = now()",
  "  WHERE state_hash = 'h' || :n::text AND status = 'exchanging' RETURNING *;",
  'COMMIT;',
  '',
].join('\n');

/** Pending sessions created over REST, approved in the simulator: the callback URLs the browsers would open. */
async function prepareCallbacks(ctx: BenchContext, service: Service, count: number): Promise<string[]> {
  const users = await createUsers(ctx, count, 'Caller');
  const agent = keepAliveAgent(16);
  const urls: string[] = [];
  try {
    await runLoad({
      concurrency: 16,
      total: users.length,
      send: async (index) => {
        const openId = users[index]!;
        const created = await httpRequest(agent, `${service.baseUrl}/api/v1/auth-sessions`, {
          method: 'POST',
          headers: { ...authHeader(), 'content-type': 'application/json' },
          body: JSON.stringify({ openId, appId: APP_ID }),
        });
        if (created.status >= 300) throw new Error(`session create answered ${created.status}`);
        const [card] = await ctx.control.messages(openId);
        if (!card) throw new Error(`no card for ${openId}`);
        const location = new URL(await ctx.control.authorizeAs(openId, 'approve', authorizeUrlOf(card)));
        urls.push(`${service.baseUrl}${location.pathname}${location.search}`);
        return true;
      },
    });
  } finally {
    agent.destroy();
  }
  return urls;
}

export const callback: Benchmark = {
  name: 'callback',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const highCount = ctx.quick ? 200 : 1_500;
    const lowCount = ctx.quick ? 100 : 400;
    const seconds = ctx.quick ? 4 : 15;
    await ctx.resetTables();
    const service = await ctx.service('callback');
    const high = await prepareCallbacks(ctx, service, highCount + lowCount + 30);
    const warm = high.splice(0, 30);
    const low = high.splice(0, lowCount);
    const agent = keepAliveAgent(16);
    try {
      const open = (urls: string[]) => async (index: number) =>
        (await httpRequest(agent, urls[index]!, { headers: { 'accept-language': 'en-US' } })).status === 200;
      await runLoad({ concurrency: 4, total: warm.length, send: open(warm) });
      const before = { service: service.cpuMs(), runner: process.cpuUsage(), postgres: postgresCpuMs() };
      const measured = await runLoad({ concurrency: 16, total: high.length, send: open(high) });
      const cpu = {
        service: service.cpuMs() - before.service,
        runner: cpuMsSince(before.runner),
        postgres: postgresCpuMs() - before.postgres,
      };
      const latency = await runLoad({ concurrency: 4, total: low.length, send: open(low) });
      await service.stop();
      const sql = await sqlBaseline({ schema: ctx.schema.schema, clients: 16, seconds, script: CALLBACK_SQL });
      const ratio = measured.perSecond / sql.tps;
      return [
        {
          name: 'callback',
          figure: round(measured.perSecond, 0),
          unit: 'callbacks/s',
          baseline: round(sql.tps, 0),
          ratio: round(ratio, 3),
          goal: 0.4,
          pass: ratio >= 0.4 && latency.p99Ms <= 50 && measured.errors === 0,
          extra: {
            concurrency: 16,
            callbacks: measured.count,
            errors: measured.errors + latency.errors,
            p50Ms: round(measured.p50Ms),
            p99Ms: round(measured.p99Ms),
            c4Callbacks: latency.count,
            c4P50Ms: round(latency.p50Ms),
            c4P99Ms: round(latency.p99Ms),
            c4P99GoalMs: 50,
            serviceCpuMsPerCallback: round(cpu.service / measured.count, 2),
            simulatorAndClientCpuMsPerCallback: round(cpu.runner / measured.count, 2),
            postgresCpuMsPerCallback: round(cpu.postgres / measured.count, 2),
            cpuNote:
              'simulator and load generator share the bench process; postgres CPU includes other users of the server',
            baselineTool: sql.tool,
          },
        },
      ];
    } finally {
      agent.destroy();
    }
  },
};

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
