import 'reflect-metadata';

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';

import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { MIGRATIONS_TABLE } from '../../src/database/data-source';
import {
  DEFAULT_APP_ID,
  DEFAULT_APP_NAME,
  DEFAULT_APP_SECRET,
  type Simulator,
  type SimulatorAppOptions,
  startSimulator,
} from './index';

// `npm run demo`: the Feishu simulator, then the service against it on an embedded PGlite database, in one
// process; prints the chat URL where a person types "login" and clicks Authorize. Ctrl-C stops both.
//
// Environment (all optional): SIMULATOR_PORT (9000), PORT (8000), PGLITE_DATA_DIR (./data/demo/pglite),
// DEMO_API_TOKEN (random), LOG_LEVEL (info), DEMO_APPS (1; 2 = two apps, each with its own bot, served by one
// service through LARK_APPS_FILE), DEMO_FLOW (redirect; device = the OAuth device flow, no callback URL). A taken port falls back to a free one. Any .env file is ignored so the demo
// behaves the same everywhere.

const DEFAULT_SIMULATOR_PORT = 9000;
const DEFAULT_SERVICE_PORT = 8000;
/** Inside ./data/demo, so the generated key file (kept next to the data directory) is the demo's own too. */
const DEFAULT_DATA_DIR = path.join('data', 'demo', 'pglite');
const HOST = '127.0.0.1';
/** The second app of DEMO_APPS=2. */
const SECOND_APP: SimulatorAppOptions = {
  appId: 'cli_fedcba9876543210',
  appSecret: 'sim-app-secret-b',
  name: 'lark-card-auth B',
};

/** Stable demo users, so the chat URLs stay the same from one run to the next. */
const DEMO_USERS = ['Zhang San', 'Li Si'].map((name) => ({
  name,
  openId: `ou_${createHash('sha256').update(`lark-card-auth demo user ${name}`).digest('hex').slice(0, 32)}`,
}));

async function main(): Promise<void> {
  const env = process.env;
  const simulatorPort = portFrom('SIMULATOR_PORT', env.SIMULATOR_PORT, DEFAULT_SIMULATOR_PORT);
  const wantedServicePort = portFrom('PORT', env.PORT, DEFAULT_SERVICE_PORT);
  const dataDir = env.PGLITE_DATA_DIR || DEFAULT_DATA_DIR;
  const apiToken = env.DEMO_API_TOKEN || `demo-${randomBytes(18).toString('base64url')}`;
  if (apiToken.length < 16 || /\s/.test(apiToken)) throw new Error('DEMO_API_TOKEN must be ≥ 16 characters, no spaces');
  if (env.DEMO_APPS && env.DEMO_APPS !== '1' && env.DEMO_APPS !== '2') throw new Error('DEMO_APPS is 1 or 2');
  const device = env.DEMO_FLOW === 'device';
  if (env.DEMO_FLOW && !device && env.DEMO_FLOW !== 'redirect') throw new Error('DEMO_FLOW is redirect or device');
  const apps: SimulatorAppOptions[] = [
    { appId: DEFAULT_APP_ID, appSecret: DEFAULT_APP_SECRET, name: DEFAULT_APP_NAME },
    ...(env.DEMO_APPS === '2' ? [SECOND_APP] : []),
  ];

  const sim = await startSimulatorOnPort(simulatorPort, apps);
  let app: NestFastifyApplication | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code: number): Promise<void> => {
    stopping ??= (async () => {
      console.log(`\n${reason}: stopping the demo…`);
      const force = setTimeout(() => {
        console.error('still stopping after 10 s; exiting anyway');
        process.exit(1);
      }, 10_000);
      force.unref();
      try {
        await app?.close();
      } finally {
        await sim.close();
      }
      console.log('demo stopped');
      process.exit(code);
    })().catch((error: unknown) => {
      console.error(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
    return stopping;
  };
  process.on('SIGINT', () => {
    if (stopping) process.exit(130); // a second Ctrl-C: do not wait
    void stop('Ctrl-C', 0);
  });
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGHUP', () => void stop('SIGHUP', 0));

  try {
    for (const user of DEMO_USERS) sim.createUser(user.name, user.openId);
    const port = (await isPortFree(wantedServicePort, HOST)) ? wantedServicePort : await freePort(HOST);
    if (port !== wantedServicePort) console.log(`port ${wantedServicePort} is taken: the service uses port ${port}`);
    const serviceUrl = `http://${HOST}:${port}`;
    const redirectUri = `${serviceUrl}/callback`;
    sim.addRedirectUri(redirectUri);

    const config = loadConfig(
      {
        ...appVariables(apps, dataDir),
        LARK_DOMAIN: sim.url,
        // Without a redirect URL the service uses the device flow.
        ...(device ? {} : { OAUTH_REDIRECT_URI: redirectUri }),
        CALLBACK_SERVER_HOST: HOST,
        CALLBACK_SERVER_PORT: String(port),
        PGLITE_DATA_DIR: dataDir,
        API_TOKENS: apiToken,
        LOG_FORMAT: 'pretty',
        LOG_LEVEL: env.LOG_LEVEL || 'info',
      },
      { dotenvPath: false },
    );
    if (!existsSync(dataDir)) console.log(`creating the embedded database in ${dataDir} (first run only; ~10-20 s)…`);
    app = await createApp(config);
    // The simulator keeps users, messages and tokens in memory only, so rows left by an earlier run would point
    // at tokens and cards it no longer knows: the default demo database is emptied (a given one is kept).
    if (!env.PGLITE_DATA_DIR) await clearTables(app.get(DataSource, { strict: false }));
    await app.listen(port, HOST);
    await waitUntilReady(serviceUrl, 20_000);
    printBanner(sim, serviceUrl, dataDir, apiToken, apps, device);
  } catch (error) {
    console.error(`the demo could not start: ${error instanceof Error ? error.message : String(error)}`);
    await stop('start-up failed', 1);
  }
}

/** One app: the LARK_APP_ID shorthand; two: a LARK_APPS_FILE next to the demo database. */
function appVariables(apps: SimulatorAppOptions[], dataDir: string): Record<string, string> {
  const [only] = apps;
  if (apps.length === 1 && only) return { LARK_APP_ID: only.appId, LARK_APP_SECRET: only.appSecret };
  const file = path.join(path.dirname(path.resolve(dataDir)), 'apps.json');
  mkdirSync(path.dirname(file), { recursive: true });
  const list = apps.map(({ appId, appSecret, name }) => ({ appId, appSecret, displayName: name }));
  writeFileSync(file, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o600 });
  return { LARK_APPS_FILE: file };
}

function printBanner(
  sim: Simulator,
  serviceUrl: string,
  dataDir: string,
  apiToken: string,
  apps: SimulatorAppOptions[],
  device: boolean,
): void {
  const [zhang, li] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];
  const chat = (openId: string) => `${sim.url}/_sim/chat?openId=${openId}`;
  const appQuery = apps.length > 1 ? `?appId=${DEFAULT_APP_ID}` : '';
  const lines = [
    '',
    '──────────────────────────────────────────────────────────────────────────────',
    ' lark-card-auth demo is running (Ctrl-C stops everything)',
    '',
    ` Open the chat with the bot as ${zhang.name}:`,
    `   ${chat(zhang.openId)}`,
    ...(device
      ? [
          ' type "login" and press Send, click Authorize on the card, check the code and approve on',
          ' the verification page: within a few seconds the card in the chat turns green.',
        ]
      : [
          ' type "login" and press Send, click Authorize on the card, then Authorize on the',
          ' consent page: you land on the success page and the card in the chat turns green.',
          ' The device flow (no callback URL): DEMO_FLOW=device npm run demo',
        ]),
    ` (the chat as ${li.name}: ${chat(li.openId)})`,
    ...(apps.length > 1
      ? [
          ` ${apps.length} apps: the chat page's bot selector opens the same person's chat with the other bot.`,
          ' Every REST call names its app (appId); GET /api/v1/apps lists them.',
        ]
      : [' Two apps in one service: DEMO_APPS=2 npm run demo']),
    '',
    ` Service    ${serviceUrl}   (${device ? 'device flow, no callback' : `OAuth callback ${serviceUrl}/callback`})`,
    ` Metrics    ${serviceUrl}/metrics`,
    ` API docs   ${serviceUrl}/api/docs`,
    ` API token  ${apiToken}`,
    ' Token of a user, once authorized:',
    `   curl -H "Authorization: Bearer ${apiToken}" \\`,
    appQuery
      ? `     "${serviceUrl}/api/v1/users/${zhang.openId}/token${appQuery}"`
      : `     ${serviceUrl}/api/v1/users/${zhang.openId}/token`,
    ` Simulator  ${sim.url}   (${apps.map((app) => `app ${app.appId}`).join(', ')})`,
    ` Database   embedded PGlite in ${dataDir}`,
    '──────────────────────────────────────────────────────────────────────────────',
    '',
  ];
  console.log(lines.join('\n'));
}

/** Empties every table but the migrations table (the schema stays: opening it again is fast, creating it is not). */
async function clearTables(dataSource: DataSource): Promise<void> {
  const rows: Array<{ tablename: string }> = await dataSource.query(
    'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> $1',
    [MIGRATIONS_TABLE],
  );
  if (rows.length === 0) return;
  await dataSource.query(`TRUNCATE ${rows.map((row) => `"${row.tablename.replace(/"/g, '""')}"`).join(', ')}`);
}

function portFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} is not a port: ${value}`);
  return port;
}

async function startSimulatorOnPort(port: number, apps: SimulatorAppOptions[]): Promise<Simulator> {
  try {
    return await startSimulator({ port, host: HOST, quiet: true, apps });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const sim = await startSimulator({ port: 0, host: HOST, quiet: true, apps });
    console.log(`port ${port} is taken: the simulator uses port ${sim.port}`);
    return sim;
  }
}

function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(serviceUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${serviceUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the service was not ready after ${timeoutMs / 1000} s (/readyz: ${last})`);
}

main().catch((error: unknown) => {
  console.error(`the demo could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
