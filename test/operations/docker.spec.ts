import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { load } from 'js-yaml';

import { envVariable } from '../../src/config/env-variables';
import { ROOT } from '../support/jest-run';
import { promtoolAvailable, runPromtool } from '../support/prometheus/promtool';
import { printNote } from '../support/test-logs';

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: `docker compose config` (or Debian's
 * docker-compose) when one is installed, and always the structural checks below, which cover what the Compose
 * Specification requires of the fields used here plus what this project promises (no .env needed, loopback ports,
 * every referenced file present).
 */
type Service = Record<string, unknown> & {
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  build?: { context: string; target?: string; dockerfile?: string };
  profiles?: string[];
  healthcheck?: { test: string[] };
};
interface Compose {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const compose = load(composeText) as Compose;
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const SERVICE = 'lark-card-auth';
const ENTRYPOINT = path.join(ROOT, 'deploy/docker/entrypoint.sh');

// The Compose Specification's service fields that a file like ours may use; anything else is a typo.
const SERVICE_FIELDS = new Set([
  'build',
  'command',
  'container_name',
  'depends_on',
  'entrypoint',
  'env_file',
  'environment',
  'healthcheck',
  'image',
  'init',
  'labels',
  'networks',
  'ports',
  'profiles',
  'restart',
  'stop_grace_period',
  'stop_signal',
  'user',
  'volumes',
  'working_dir',
]);
const TOP_LEVEL_FIELDS = new Set(['name', 'services', 'volumes', 'networks', 'configs', 'secrets']);

function composeCli(): string[] | undefined {
  for (const candidate of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(candidate[0]!, [...candidate.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function bindSource(volume: string): string | undefined {
  const source = volume.split(':')[0]!;
  return source.startsWith('.') || source.startsWith('/') ? source : undefined;
}

describe('docker-compose.yml', () => {
  it('is valid for Compose (docker compose config when installed) and uses only known fields', () => {
    const cli = composeCli();
    if (cli) {
      const result = spawnSync(
        cli[0]!,
        [...cli.slice(1), '-f', COMPOSE_FILE, '--env-file', '/dev/null', 'config', '-q'],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } else {
      printNote('no docker compose / docker-compose here: docker-compose.yml was checked structurally only');
    }
    expect(Object.keys(compose).filter((key) => !TOP_LEVEL_FIELDS.has(key))).toEqual([]);
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, Object.keys(service).filter((key) => !SERVICE_FIELDS.has(key))]).toEqual([name, []]);
      expect(service.image ?? service.build).toBeDefined();
    }
  });

  it('starts without a .env: every ${VARIABLE} has a default, and no env_file is required', () => {
    const interpolations = [...composeText.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]!);
    expect(interpolations.length).toBeGreaterThan(0);
    for (const expression of interpolations) expect(expression).toMatch(/^[A-Z_]+:?-/);
    for (const service of Object.values(compose.services)) expect(service.env_file).toBeUndefined();
  });

  it('references only services, volumes and files that exist', () => {
    const services = Object.keys(compose.services);
    const volumes = Object.keys(compose.volumes ?? {});
    for (const service of Object.values(compose.services)) {
      const dependencies = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) expect(services).toContain(dependency);
      for (const volume of service.volumes ?? []) {
        const source = bindSource(volume);
        if (source) expect([source, existsSync(path.join(ROOT, source))]).toEqual([source, true]);
        else expect(volumes).toContain(volume.split(':')[0]);
      }
      if (service.build) {
        expect(existsSync(path.join(ROOT, service.build.context, service.build.dockerfile ?? 'Dockerfile'))).toBe(true);
        if (service.build.target) expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${service.build.target}$`, 'm'));
      }
    }
  });

  it('publishes ports on 127.0.0.1 unless told otherwise, and can scale the service', () => {
    for (const service of Object.values(compose.services)) {
      for (const port of service.ports ?? []) expect(port).toMatch(/^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\d+(-\d+)?:\d+$/);
    }
    // A range of host ports, so that --scale lark-card-auth=3 can publish every replica.
    expect(compose.services[SERVICE]!.ports).toEqual(['${BIND_ADDRESS:-127.0.0.1}:8000-8009:8000']);
    expect(compose.services[SERVICE]!.container_name).toBeUndefined();
  });

  it('gives Postgres its own database in a named volume with a health check the service waits for', () => {
    const postgres = compose.services.postgres!;
    expect(postgres.environment?.POSTGRES_DB).toBe('lark_card_auth');
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(postgres.healthcheck?.test).toEqual(expect.arrayContaining(['pg_isready']));
    const service = compose.services[SERVICE]!;
    expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(service.environment?.DATABASE_URL).toMatch(/@postgres:5432\/lark_card_auth$/);
    expect(service.environment?.MIGRATIONS_RUN).toBe('true');
  });

  it("sets only the service's own variables (and the entrypoint's DEV_SECRETS_DIR)", () => {
    const names = Object.keys(compose.services[SERVICE]!.environment ?? {});
    expect(names.filter((name) => name !== 'DEV_SECRETS_DIR' && !envVariable(name))).toEqual([]);
    expect(compose.services[SERVICE]!.volumes).toContain(
      `lark-secrets:${compose.services[SERVICE]!.environment?.DEV_SECRETS_DIR}`,
    );
  });

  it('runs the simulator only in the demo profile, and points the service at it by default', () => {
    expect(compose.services.simulator!.profiles).toEqual(['demo']);
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'simulator') expect(service.profiles).toBeUndefined();
    }
    expect(compose.services[SERVICE]!.environment?.LARK_DOMAIN).toBe('${LARK_DOMAIN:-http://simulator:9000}');
  });

  it('loads the alert rules into Prometheus, which scrapes every replica, and provisions the dashboard', () => {
    const prometheusVolumes = compose.services.prometheus!.volumes ?? [];
    expect(prometheusVolumes).toContain('./docs/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
    const config = load(readFileSync(path.join(ROOT, 'deploy/compose/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(config.scrape_configs[0]!.dns_sd_configs).toEqual([
      expect.objectContaining({ names: [SERVICE], type: 'A', port: 8000 }),
    ]);
    if (promtoolAvailable()) {
      expect(
        runPromtool(['check', 'config', '--syntax-only', path.join(ROOT, 'deploy/compose/prometheus.yml')]),
      ).toEqual([]);
    }
    const grafanaVolumes = compose.services.grafana!.volumes ?? [];
    expect(grafanaVolumes).toContain(
      './docs/grafana/lark-card-auth.json:/var/lib/grafana/dashboards/lark-card-auth.json:ro',
    );
    const provider = load(
      readFileSync(path.join(ROOT, 'deploy/compose/grafana/provisioning/dashboards/lark-card-auth.yml'), 'utf8'),
    ) as { providers: Array<{ options: { path: string } }> };
    expect(provider.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
  });
});

describe('Dockerfile', () => {
  const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));

  it('builds the runtime with production dependencies only and runs it as a user that owns its data directory', () => {
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).not.toMatch(/^COPY --from=build \/app\/node_modules/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/chown node:node \/app\/data/);
    expect(runtime).toMatch(/PGLITE_DATA_DIR=\/app\/data\/pglite/);
  });

  it('checks health on CALLBACK_SERVER_PORT and hands SIGTERM to node', () => {
    expect(runtime).toMatch(/^HEALTHCHECK .*process\.env\.CALLBACK_SERVER_PORT \|\| 8000.*\/healthz/ms);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(readFileSync(ENTRYPOINT, 'utf8')).toMatch(/^exec "\$@"$/m);
  });

  it('copies only files that exist', () => {
    for (const match of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of match[1]!.split(' ')) {
        expect([source, existsSync(path.join(ROOT, source))]).toEqual([source, true]);
      }
    }
  });
});

describe('the container entrypoint', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(ROOT, 'node_modules/.cache/entrypoint-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the entrypoint with a command that prints the two variables' lengths and hashes, never their values. */
  function start(env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number | null }> {
    const show =
      "const h=(v)=>require('crypto').createHash('sha256').update(v||'').digest('hex');" +
      'console.log(JSON.stringify({keys:h(process.env.TOKEN_ENCRYPTION_KEYS),api:h(process.env.API_TOKENS),' +
      'keyLength:Buffer.from((process.env.TOKEN_ENCRYPTION_KEYS||"").split(":")[1]||"","base64").length}))';
    return new Promise((resolve) => {
      const child = spawn('sh', [ENTRYPOINT, process.execPath, '-e', show], {
        env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ stdout, stderr, code }));
    });
  }

  it('generates development secrets once, even for replicas starting together, says where, and never prints them', async () => {
    const secrets = path.join(dir, 'secrets');
    const runs = await Promise.all([1, 2, 3].map(() => start({ DEV_SECRETS_DIR: secrets })));
    const outputs = runs.map((run) => JSON.parse(run.stdout) as { keys: string; api: string; keyLength: number });
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    expect(new Set(outputs.map((output) => output.keys)).size).toBe(1);
    expect(new Set(outputs.map((output) => output.api)).size).toBe(1);
    expect(outputs[0]!.keyLength).toBe(32);
    const logs = runs.map((run) => run.stderr).join('');
    expect(logs.match(/generated .*token-encryption-keys/g)).toHaveLength(1);
    const keys = readFileSync(path.join(secrets, 'token-encryption-keys'), 'utf8');
    const apiToken = readFileSync(path.join(secrets, 'api-token'), 'utf8');
    for (const run of runs) {
      expect(run.stderr + run.stdout).not.toContain(keys.split(':')[1]);
      expect(run.stderr + run.stdout).not.toContain(apiToken);
    }
    const again = await start({ DEV_SECRETS_DIR: secrets });
    expect(JSON.parse(again.stdout)).toEqual(outputs[0]);
    expect(again.stderr).not.toMatch(/generated/);
  });

  it('leaves configured secrets alone, and generates nothing without DEV_SECRETS_DIR', async () => {
    const configured = await start({
      DEV_SECRETS_DIR: path.join(dir, 'unused'),
      TOKEN_ENCRYPTION_KEYS: 'k1:x',
      API_TOKENS: 'y',
    });
    expect(configured.stderr).toBe('');
    expect(existsSync(path.join(dir, 'unused', 'token-encryption-keys'))).toBe(false);
    const plain = await start({});
    expect(plain.stderr).toBe('');
    expect(JSON.parse(plain.stdout).keyLength).toBe(0);
  });
});
