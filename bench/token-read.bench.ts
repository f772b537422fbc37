// token-read: GET /api/v1/users/:openId/token for authorized users at c=32, against pgbench running its SELECT in the
// same run, with a bare Fastify process answering the same route beside it as the framework ceiling.
import { authHeader, APP_ID, BenchContext, Benchmark, BenchResult, round } from './lib/context';
import { httpRequest, keepAliveAgent, runLoad } from './lib/load';
import { sqlBaseline } from './lib/pgbench';
import { startService } from './lib/service';

const CONCURRENCY = 32;

export const tokenRead: Benchmark = {
  name: 'token-read',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const users = ctx.quick ? 200 : 2_000;
    const seconds = ctx.quick ? 4 : 15;
    await ctx.resetTables();
    const seeded = await ctx.seed(users, 'Reader', 3_600);
    const service = await ctx.service('token-read');
    const agent = keepAliveAgent(CONCURRENCY);
    try {
      const read = (baseUrl: string, headers: Record<string, string>) => async (index: number) => {
        const user = seeded[index % seeded.length]!;
        const reply = await httpRequest(agent, `${baseUrl}/api/v1/users/${user.openId}/token?appId=${APP_ID}`, {
          headers,
        });
        return reply.status === 200;
      };
      // Warm up (JIT, pool), then measure.
      await runLoad({ concurrency: CONCURRENCY, durationMs: 1_000, send: read(service.baseUrl, authHeader()) });
      const cpuBefore = service.cpuMs();
      const measured = await runLoad({
        concurrency: CONCURRENCY,
        durationMs: seconds * 1000,
        send: read(service.baseUrl, authHeader()),
      });
      const cpuMs = service.cpuMs() - cpuBefore;
      await service.stop();

      const bare = await startService('bare-fastify', {}, ['-r', '@swc-node/register', 'bench/lib/bare-fastify.ts']);
      await runLoad({ concurrency: CONCURRENCY, durationMs: 1_000, send: read(bare.baseUrl, {}) });
      const framework = await runLoad({
        concurrency: CONCURRENCY,
        durationMs: seconds * 1000,
        send: read(bare.baseUrl, {}),
      });
      await bare.stop();

      // pgbench picks a random user by number; a helper table maps numbers to open_ids (one primary-key lookup more
      // than the service's query, which favours the service slightly).
      await ctx.dataSource.query('DROP TABLE IF EXISTS bench_users');
      await ctx.dataSource.query('CREATE TABLE bench_users (i int PRIMARY KEY, open_id text NOT NULL)');
      await ctx.dataSource.query(
        'INSERT INTO bench_users SELECT ordinality - 1, open_id FROM unnest($1::text[]) WITH ORDINALITY AS u(open_id)',
        [seeded.map((user) => user.openId)],
      );
      const sql = await sqlBaseline({
        schema: ctx.schema.schema,
        clients: CONCURRENCY,
        seconds,
        script: [
          `\\set i random(0, ${seeded.length - 1})`,
          `SELECT t.* FROM user_tokens t WHERE t.app_id = '${APP_ID}'`,
          `  AND t.open_id = (SELECT open_id FROM bench_users WHERE i = :i);`,
          '',
        ].join('\n'),
      });
      return [
        {
          name: 'token-read',
          figure: round(measured.perSecond, 0),
          unit: 'reads/s',
          baseline: round(sql.tps, 0),
          ratio: round(measured.perSecond / sql.tps, 3),
          goal: 0.4,
          pass: measured.perSecond / sql.tps >= 0.4 && measured.p99Ms <= 20,
          extra: {
            concurrency: CONCURRENCY,
            seconds,
            users,
            p50Ms: round(measured.p50Ms),
            p99Ms: round(measured.p99Ms),
            p99GoalMs: 20,
            errors: measured.errors,
            serviceCpuMsPerRead: round(cpuMs / measured.count, 3),
            baselineTool: sql.tool,
            baselineSql: 'SELECT * FROM user_tokens WHERE app_id = $1 AND open_id = $2',
            bareFastifyPerSecond: round(framework.perSecond, 0),
            bareFastifyP99Ms: round(framework.p99Ms),
            ratioToBareFastify: round(measured.perSecond / framework.perSecond, 3),
          },
        },
      ];
    } finally {
      agent.destroy();
    }
  },
};
