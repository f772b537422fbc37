import { parseArgs } from 'node:util';

import {
  DEFAULT_APP_ID,
  DEFAULT_APP_SECRET,
  DEFAULT_REDIRECT_URIS,
  type SimulatorAppOptions,
  startSimulator,
} from './simulator';

// Standalone simulator: `npm run simulator [-- --port 9000 --app-id … --app-secret … --redirect-uris a,b]`.
// Several apps: SIMULATOR_APPS="cli_a:secret_a,cli_b:secret_b:Display Name" (or --apps).

/** `cli_a:secret_a,cli_b:secret_b:Display Name` → apps; the name may contain spaces but no comma. */
function parseApps(list: string): SimulatorAppOptions[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [appId, appSecret, ...name] = entry.split(':');
      if (!appId || !appSecret) throw new Error(`SIMULATOR_APPS entry "${entry}" is not app_id:app_secret[:name]`);
      return { appId, appSecret, ...(name.length > 0 ? { name: name.join(':') } : {}) };
    });
}
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'app-id': { type: 'string' },
      'app-secret': { type: 'string' },
      'redirect-uris': { type: 'string' },
      apps: { type: 'string' },
      'enabled-scopes': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const env = process.env;
  const port = Number(values.port ?? env.SIMULATOR_PORT ?? 9000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port: ${values.port ?? env.SIMULATOR_PORT}`);
  }
  const redirectList = values['redirect-uris'] ?? env.SIMULATOR_REDIRECT_URIS;
  const redirectUris = redirectList
    ? redirectList
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean)
    : DEFAULT_REDIRECT_URIS;

  const appList = values.apps ?? env.SIMULATOR_APPS;
  const scopeList = values['enabled-scopes'] ?? env.SIMULATOR_ENABLED_SCOPES;
  const sim = await startSimulator({
    port,
    host: values.host ?? env.SIMULATOR_HOST ?? '127.0.0.1',
    ...(appList ? { apps: parseApps(appList) } : {}),
    appId: values['app-id'] ?? env.SIMULATOR_APP_ID ?? DEFAULT_APP_ID,
    appSecret: values['app-secret'] ?? env.SIMULATOR_APP_SECRET ?? DEFAULT_APP_SECRET,
    redirectUris,
    ...(scopeList ? { enabledScopes: scopeList.split(/[\s,]+/).filter(Boolean) } : {}),
    quiet: values.quiet ?? false,
  });
  const users = [sim.createUser('Zhang San'), sim.createUser('Li Si')];
  const [first] = users;

  console.log(`Feishu Open Platform simulator listening on ${sim.url}`);
  console.log(`  apps: ${sim.apps.join(', ')}`);
  console.log(`  redirect URIs: ${redirectUris.join(', ')}`);
  for (const user of users) {
    console.log(
      `  user ${user.name}: ${Object.entries(user.openIds)
        .map(([app, id]) => `${id} (${app})`)
        .join(', ')}`,
    );
  }
  if (first) console.log(`  chat page: ${sim.url}/_sim/chat?openId=${first.openId}`);
  console.log(`  point the service at it with LARK_DOMAIN=${sim.url}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing the simulator`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
