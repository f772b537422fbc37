import { Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, AppConfig, AppSettings } from '../config/app-config';
import { createLarkClient, LarkClient } from './lark-client.factory';

/** One configured app as the rest of the service sees it: its resolved settings and its own SDK Client. */
export interface LarkApp {
  readonly settings: AppSettings;
  /** Has its own tenant token cache: a tenant token of one app is never sent for another. */
  readonly client: LarkClient;
  /** Forgets the cached tenant token (Feishu refused it), so the next call fetches a new one. */
  dropTenantToken(): Promise<void>;
}

/** Asking for an app that is not configured is a bug (REST input is checked against the registry first). */
export class UnknownAppError extends Error {
  constructor(appId: string) {
    super(`app ${appId} is not configured`);
    this.name = 'UnknownAppError';
  }
}

/**
 * The configured apps by id (docs/architecture.md, several apps). Built once from APP_CONFIG; feature modules
 * get an app's settings and SDK Client from here, never from the configuration directly.
 */
@Injectable()
export class LarkAppRegistry {
  private readonly apps: ReadonlyMap<string, LarkApp>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.apps = new Map(
      config.apps.map((settings) => [
        settings.appId,
        { settings, ...createLarkClient(settings, config.lark.httpTimeoutMs) },
      ]),
    );
  }

  /** Configured app ids, in configuration order. */
  ids(): string[] {
    return [...this.apps.keys()];
  }

  all(): LarkApp[] {
    return [...this.apps.values()];
  }

  has(appId: string): boolean {
    return this.apps.has(appId);
  }

  get(appId: string): LarkApp {
    const app = this.apps.get(appId);
    if (!app) throw new UnknownAppError(appId);
    return app;
  }

  settings(appId: string): AppSettings {
    return this.get(appId).settings;
  }
}
