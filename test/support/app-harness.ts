import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createApp } from '../../src/app.factory';
import { Clock } from '../../src/common/clock';
import { AppLogger } from '../../src/common/logging/app-logger';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { SimControlClient, Simulator, startSimulator } from '../simulator';
import { waitFor } from '../simulator/test-kit';
import { Cleanup } from './cleanup';
import { createTestSchema, removeTempDir, tempPgliteDir } from './database';
import { freePort } from './free-port';
import { captureLog } from './test-logs';

export const TEST_API_TOKEN = 'test-api-token-0123456789abcdef';

export interface Harness {
  sim: Simulator;
  control: SimControlClient;
  app: NestFastifyApplication;
  config: AppConfig;
  /** The environment the service was configured from (reuse it to start a second process on the same data). */
  env: Record<string, string>;
  /** http://127.0.0.1:PORT of the service. */
  baseUrl: string;
  /** Every log line the service wrote. */
  logs: string[];
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** Stops the service only (the database and simulator stay), e.g. to start another process on the same data. */
  stopApp(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  database?: 'postgres' | 'pglite';
  env?: Record<string, string>;
  /** Reuse a simulator / database / key from an earlier harness (restart tests). */
  reuse?: { sim: Simulator; env: Record<string, string> };
  /** The service's time source (a FakeClock to move time instead of waiting). */
  clock?: Clock;
  /** Changes the Postgres URL the service gets (e.g. to go through a TCP proxy the test controls). */
  rewriteDatabaseUrl?: (url: string) => string;
  /**
   * Several apps: the simulator gets these apps and the service a LARK_APPS_FILE listing them (in place of
   * LARK_APP_ID / LARK_APP_SECRET); displayName is both the simulator's bot name and the service's display name.
   */
  apps?: Array<{ appId: string; appSecret: string; displayName: string; authFlow?: 'redirect' | 'device' }>;
}

/**
 * The whole service on a free port against an in-process simulator and a fresh database (a new Postgres
 * schema or PGlite directory), driven only through public surfaces. Waits until /readyz says ready. When any
 * step fails, what the earlier steps started is stopped again before the error is thrown.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const cleanup = new Cleanup();
  return cleanup.guard(() => startHarnessSteps(options, cleanup));
}

async function startHarnessSteps(options: HarnessOptions, cleanup: Cleanup): Promise<Harness> {
  let sim: Simulator;
  if (options.reuse) {
    sim = options.reuse.sim;
  } else {
    const started = await startSimulator({
      quiet: true,
      apps: options.apps?.map(({ appId, appSecret, displayName }) => ({ appId, appSecret, name: displayName })),
    });
    cleanup.add(() => started.close());
    sim = started;
  }
  let env: Record<string, string>;
  if (options.reuse) {
    env = options.reuse.env;
  } else {
    const port = await freePort();
    env = {
      LARK_APP_ID: 'cli_0123456789abcdef',
      LARK_APP_SECRET: 'sim-app-secret',
      LARK_DOMAIN: sim.url,
      OAUTH_REDIRECT_URI: `http://127.0.0.1:${port}/callback`,
      CALLBACK_SERVER_HOST: '127.0.0.1',
      CALLBACK_SERVER_PORT: String(port),
      TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      API_TOKENS: TEST_API_TOKEN,
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'debug',
      FEISHU_HTTP_TIMEOUT_MS: '2000',
    };
    if ((options.database ?? 'postgres') === 'postgres') {
      const schema = await createTestSchema();
      cleanup.add(() => schema.drop());
      env.DATABASE_URL = options.rewriteDatabaseUrl ? options.rewriteDatabaseUrl(schema.url) : schema.url;
    } else {
      const pgliteDir = tempPgliteDir();
      cleanup.add(() => removeTempDir(pgliteDir));
      env.PGLITE_DATA_DIR = pgliteDir;
      delete env.TOKEN_ENCRYPTION_KEYS;
    }
    if (options.apps) {
      const appsDir = tempPgliteDir();
      cleanup.add(() => removeTempDir(appsDir));
      env.LARK_APPS_FILE = writeAppsFile(appsDir, options.apps);
      delete env.LARK_APP_ID;
      delete env.LARK_APP_SECRET;
    }
    Object.assign(env, options.env);
    sim.addRedirectUri(env.OAUTH_REDIRECT_URI as string);
  }

  const config = loadConfig(env, { dotenvPath: false });
  const logs: string[] = [];
  const write = (line: string) => {
    logs.push(line);
    captureLog(line);
  };
  const app = await createApp(config, {
    logger: new AppLogger({ level: 'debug', format: 'json', write }),
    clock: options.clock,
  });
  let appClosed = false;
  const stopApp = async () => {
    if (!appClosed) await app.close();
    appClosed = true;
  };
  cleanup.add(stopApp);
  await app.listen(config.server.port, config.server.host);
  const baseUrl = `http://127.0.0.1:${config.server.port}`;
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`)).status === 200, 15_000, 'the service to be ready');

  return {
    sim,
    control: new SimControlClient(sim.url),
    app,
    config,
    env,
    baseUrl,
    logs,
    stopApp,
    async api(method, path, body, token = TEST_API_TOKEN) {
      const response = await fetch(baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () => cleanup.run(),
  };
}

function writeAppsFile(dir: string, apps: NonNullable<HarnessOptions['apps']>): string {
  const file = path.join(dir, 'apps.json');
  writeFileSync(file, JSON.stringify(apps), { mode: 0o600 });
  return file;
}
