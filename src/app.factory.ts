import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { AppModule } from './app.module';
import { Clock } from './common/clock';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { httpServerOptions, installHttpHooks } from './http/http-server';
import { installRequestLogging } from './http/request-logging';
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
  const logger = options.logger ?? new AppLogger({ level: config.log.level, format: config.log.format });
  // Fastify logs through the same pino instance as Nest when the caller's logger is ours.
  const pino =
    logger instanceof AppLogger
      ? logger.pino
      : new AppLogger({ level: config.log.level, format: config.log.format }).pino;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, options.clock),
    // Nest's adapter carries its own copy of Fastify, whose option types differ only nominally from ours.
    new FastifyAdapter(httpServerOptions(pino) as ConstructorParameters<typeof FastifyAdapter>[0]),
    // Nest's body parser would replace the JSON parser set up below.
    { logger, bufferLogs: false, abortOnError: false, bodyParser: false },
  );
  installRequestLogging(app);
  acceptEmptyJsonBodies(app);
  installHttpHooks(app, config);
  app.useGlobalFilters(new HttpExceptionFilter());
  SwaggerModule.setup('api/docs', app, () => openApiDocument(app));
  return app;
}

/** The OpenAPI document served at /api/docs-json and written to docs/openapi.json by `npm run docs:openapi`. */
export function openApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const openApi = new DocumentBuilder()
    .setTitle('lark-card-auth')
    .setDescription('Authorization sessions and user access tokens for a Feishu/Lark bot.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, openApi);
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
