import 'reflect-metadata';

import { Logger } from '@nestjs/common';

import { createApp } from './app.factory';
import { loadConfigOrExit } from './config/load-config';
import { feishuUnreachableHint } from './lark/feishu-reachability';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApp(config);
  if (!config.server.enabled) {
    await app.init();
    Logger.log('HTTP server disabled (CALLBACK_SERVER_ENABLED=false); running jobs and the WebSocket only', 'Main');
    return;
  }
  await app.listen(config.server.port, config.server.host);
  const base = (await app.getUrl()).replace('[::1]', 'localhost');
  Logger.log(
    `lark-card-auth listening on ${base} — callback ${config.oauth.redirectUri}, metrics ${base}/metrics, ` +
      `API docs ${base}/api/docs, Feishu ${config.lark.openBaseUrl}`,
    'Main',
  );
  const hint = await feishuUnreachableHint(config.lark.openBaseUrl);
  if (hint) Logger.warn(hint, 'Main');
}

bootstrap().catch((error: unknown) => {
  Logger.error(
    `start-up failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    'Main',
  );
  process.exit(1);
});
