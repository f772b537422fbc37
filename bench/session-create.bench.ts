// session-create: POST /api/v1/auth-sessions for distinct users at c=16, card send to the simulator included, against
// pgbench running the same SQL (advisory lock, supersede, insert, then the card location) in the same run.
import { authHeader, APP_ID, BenchContext, Benchmark, BenchResult, round } from './lib/context';
import { httpRequest, keepAliveAgent, runLoad } from './lib/load';
import { sqlBaseline } from './lib/pgbench';

const CONCURRENCY = 16;

export const SESSION_SQL = [
  '\\set n random(1, 1000000000000)',
  'BEGIN;',
  "SELECT pg_advisory_xact_lock(hashtext('auth-session-cli_bench-ou_' || :n::text));",
  "UPDATE auth_sessions SET status = 'superseded', reason = 'superseded', pkce_verifier_enc = NULL, updated_at = now()",
  "  WHERE app_id = 'cli_bench' AND open_id = 'ou_' || :n::text AND status = 'pending' RETURNING *;",
  'INSERT INTO auth_sessions (app_id, open_id, status, state_hash, pkce_verifier_enc, key_id, scopes, locale,',
  '  expires_at, created_at, updated_at)',
  "  VALUES ('cli_bench', 'ou_' || :n::text, 'pending', md5(random()::text) || :n::text, '\\x00112233445566778899aabbccddeeff',",
  "  'k1', '{offline_access}', 'zh_cn', now() + interval '10 minutes', now(), now()) RETURNING *;",
  'COMMIT;',
  "UPDATE auth_sessions SET message_id = 'om_' || :n::text, chat_id = 'oc_' || :n::text, updated_at = now()",
  "  WHERE app_id = 'cli_bench' AND open_id = 'ou_' || :n::text AND status = 'pending';",
  '',
].join('\n');

export const sessionCreate: Benchmark = {
  name: 'session-create',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const count = ctx.quick ? 300 : 2_000;
    const seconds = ctx.quick ? 4 : 15;
    await ctx.resetTables();
    const users = await createUsers(ctx, count + 50, 'Creator');
    const service = await ctx.service('session-create');
    const agent = keepAliveAgent(CONCURRENCY);
    try {
      const create = (offset: number) => async (index: number) => {
        const reply = await httpRequest(agent, `${service.baseUrl}/api/v1/auth-sessions`, {
          method: 'POST',
          headers: { ...authHeader(), 'content-type': 'application/json' },
          body: JSON.stringify({ openId: users[offset + index], appId: APP_ID }),
        });
        return reply.status === 201 || reply.status === 200;
      };
      await runLoad({ concurrency: CONCURRENCY, total: 50, send: create(count) });
      const cpuBefore = service.cpuMs();
      const measured = await runLoad({ concurrency: CONCURRENCY, total: count, send: create(0) });
      const cpuMs = service.cpuMs() - cpuBefore;
      await service.stop();
      const sql = await sqlBaseline({ schema: ctx.schema.schema, clients: CONCURRENCY, seconds, script: SESSION_SQL });
      const ratio = measured.perSecond / sql.tps;
      return [
        {
          name: 'session-create',
          figure: round(measured.perSecond, 0),
          unit: 'sessions/s',
          baseline: round(sql.tps, 0),
          ratio: round(ratio, 3),
          goal: 0.5,
          pass: ratio >= 0.5,
          extra: {
            concurrency: CONCURRENCY,
            sessions: measured.count,
            errors: measured.errors,
            p50Ms: round(measured.p50Ms),
            p99Ms: round(measured.p99Ms),
            serviceCpuMsPerSession: round(cpuMs / measured.count, 2),
            baselineTool: sql.tool,
            baselineSql: 'advisory lock, supersede UPDATE, INSERT (one transaction), then UPDATE of the card location',
          },
        },
      ];
    } finally {
      agent.destroy();
    }
  },
};

/** `count` simulator users (open_ids), created 50 at a time. */
export async function createUsers(ctx: BenchContext, count: number, prefix: string): Promise<string[]> {
  const openIds: string[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, (_, i) => ctx.control.createUser(`${prefix} ${start + i}`)),
    );
    openIds.push(...batch.map((user) => user.openId));
  }
  return openIds;
}
