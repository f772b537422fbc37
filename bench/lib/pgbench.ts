import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { Client } from 'pg';

import { testDatabaseUrl } from '../../test/support/test-database';

const CANDIDATES = ['/usr/lib/postgresql/15/bin/pgbench', '/usr/bin/pgbench'];

export interface SqlBaseline {
  tps: number;
  tool: string;
}

/**
 * Transactions per second of `script` (pgbench syntax: \set lines and SQL) with `clients` connections for `seconds`,
 * in `schema`. pgbench when it is installed; otherwise node-postgres clients run the same statements (\set random
 * lines only), which the result says.
 */
export async function sqlBaseline(options: {
  script: string;
  schema: string;
  clients: number;
  seconds: number;
  /** pgbench -R: cap the rate at this many transactions per second. */
  rate?: number;
}): Promise<SqlBaseline> {
  const pgbench = CANDIDATES.find((candidate) => existsSync(candidate));
  if (pgbench) return runPgbench(pgbench, options);
  return runWithNodePg(options);
}

async function runPgbench(
  binary: string,
  options: { script: string; schema: string; clients: number; seconds: number; rate?: number },
): Promise<SqlBaseline> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pgbench-'));
  const file = path.join(dir, 'script.sql');
  writeFileSync(file, options.script);
  const url = new URL(testDatabaseUrl());
  const args = ['-n', '-M', 'extended', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds)];
  if (options.rate) args.push('-R', String(options.rate));
  args.push('-f', file, '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres');
  args.push(url.pathname.slice(1) || 'test');
  try {
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        binary,
        args,
        {
          env: { ...process.env, PGOPTIONS: `-c search_path=${options.schema}` },
          timeout: (options.seconds + 30) * 1000,
        },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
    if (!match) throw new Error(`pgbench printed no tps:\n${output}`);
    return { tps: Number(match[1]), tool: 'pgbench -M extended' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Command = { set: string; low: number; high: number } | { sql: string; gset: boolean };

/** pgbench's script syntax, as far as these benchmarks use it: `\\set x random(a, b)`, SQL ending in `;` or `\\gset`. */
function parseScript(script: string): Command[] {
  const commands: Command[] = [];
  let sql: string[] = [];
  for (const line of script.split('\n')) {
    const set = /^\\set (\w+) random\((\d+), (\d+)\)/.exec(line);
    if (set) {
      commands.push({ set: set[1] as string, low: Number(set[2]), high: Number(set[3]) });
    } else if (line.trim() === '\\gset') {
      commands.push({ sql: sql.join('\n'), gset: true });
      sql = [];
    } else if (line.trim()) {
      sql.push(line);
      if (line.trimEnd().endsWith(';')) {
        commands.push({ sql: sql.join('\n').replace(/;\s*$/, ''), gset: false });
        sql = [];
      }
    }
  }
  return commands;
}

/** The fallback: each client runs the script in a loop over node-postgres, variables sent as parameters. */
async function runWithNodePg(options: { script: string; schema: string; clients: number; seconds: number }) {
  const commands = parseScript(options.script);
  const deadline = Date.now() + options.seconds * 1000;
  let transactions = 0;
  const client = async () => {
    const pg = new Client({ connectionString: testDatabaseUrl(), options: `-c search_path=${options.schema}` });
    await pg.connect();
    try {
      while (Date.now() < deadline) {
        const vars: Record<string, unknown> = {};
        for (const command of commands) {
          if ('set' in command) {
            vars[command.set] = command.low + Math.floor(Math.random() * (command.high - command.low + 1));
            continue;
          }
          const values: unknown[] = [];
          const text = command.sql.replace(/(?<!:):(\w+)/g, (whole, name: string) => {
            if (!(name in vars)) return whole;
            values.push(vars[name]);
            return `$${values.length}`;
          });
          const result = await pg.query(text, values);
          if (command.gset) Object.assign(vars, result.rows[0]);
        }
        transactions += 1;
      }
    } finally {
      await pg.end();
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: options.clients }, client));
  return { tps: transactions / ((Date.now() - started) / 1000), tool: 'node-postgres (pgbench not installed)' };
}
