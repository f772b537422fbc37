import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

import { AppModule } from './app.module';
import { Clock } from './common/clock';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { httpServerOptions, installHttpHooks } from './http/http-server';
import { acceptEmptyJsonBodies } from './http/json-body';
import { AppLogger } from './common/logging/app-logger';
import { redactor } from './common/logging/redact';
import { AppConfig } from './config/app-config';

export interface CreateAppOptions {
  logger?: LoggerService;
  /** The time source (tests pass a FakeClock). */
  clock?: Clock;
}

/** Builds the whole service (used by main.ts, the demo and e2e tests); the caller decides when to listen. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  registerSecrets(config);
  const appLogger = options.logger ?? new AppLogger({ level: config.log.level, format: config.log.format });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, options.clock),
    // Nest's adapter carries its own copy of Fastify, whose option types differ only nominally from ours.
    new FastifyAdapter(httpServerOptions() as ConstructorParameters<typeof FastifyAdapter>[0]),
    // Nest's body parser would replace the JSON parser set up below.
    { logger: appLogger, bufferLogs: false, abortOnError: false, bodyParser: false },
  );
  acceptEmptyJsonBodies(app);
  installHttpHooks(app, config);
  app.useGlobalFilters(new HttpExceptionFilter());
  const openApi = new DocumentBuilder()
    .setTitle('lark-card-auth')
    .setDescription('Authorization sessions and user access tokens for a Feishu/Lark bot.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi));
  return app;
}

/** Every configured secret is masked in logs by value, whatever line it turns up in. */
function registerSecrets(config: AppConfig): void {
  for (const app of config.apps) redactor.addSecret(app.appSecret);
  for (const { token } of config.apiTokens) redactor.addSecret(token);
  redactor.addSecret(config.metricsToken);
  for (const { key } of config.encryptionKeys) redactor.addSecret(key.toString('base64'));
  if (config.database.url) {
    const password = safePassword(config.database.url);
    if (password) redactor.addSecret(password);
  }
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
