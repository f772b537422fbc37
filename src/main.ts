import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createApp } from './app.factory';
import { loadConfigOrExit } from './config/load-config';
import { feishuUnreachableHint } from './lark/feishu-reachability';

/** A replica is given this long to stop (Kubernetes' terminationGracePeriodSeconds must be longer). */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApp(config);
  stopGracefullyOn(['SIGTERM', 'SIGINT'], app);
  if (!config.server.enabled) {
    await app.init();
    Logger.log('HTTP server disabled (CALLBACK_SERVER_ENABLED=false); running jobs and the WebSocket only', 'Main');
    return;
  }
  await app.listen(config.server.port, config.server.host);
  const base = (await app.getUrl()).replace('[::1]', 'localhost');
  Logger.log(
    `lark-card-auth listening on ${base} — callback ${config.oauth.redirectUri ?? 'none (device flow)'}, metrics ${base}/metrics, ` +
      `API docs ${base}/api/docs, apps ${config.apps.map((app) => `${app.appId} at ${app.openBaseUrl}`).join(', ')}`,
    'Main',
  );
  for (const openBaseUrl of new Set(config.apps.map((app) => app.openBaseUrl))) {
    const hint = await feishuUnreachableHint(openBaseUrl);
    if (hint) Logger.warn(hint, 'Main');
  }
}

/**
 * On a stop signal: jobs stop claiming and give back what they hold, the WebSocket closes, HTTP drains, and the
 * process exits 0; if that takes longer than the deadline it exits 1 anyway.
 */
function stopGracefullyOn(signals: NodeJS.Signals[], app: NestFastifyApplication): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    Logger.log(`${signal} received: shutting down`, 'Main');
    setTimeout(() => {
      Logger.error(`still shutting down after ${SHUTDOWN_DEADLINE_MS} ms; exiting now`, 'Main');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        Logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, 'Main');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.once(signal, stop);
}

bootstrap().catch((error: unknown) => {
  Logger.error(
    `start-up failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    'Main',
  );
  process.exit(1);
});
