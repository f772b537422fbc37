import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { LarkAppRegistry } from '../lark/app-registry';
import { AppScopesClient } from '../lark/app-scopes.client';
import { ScopeNotEnabledError } from './auth-session.errors';

/**
 * offline_access is added to every request by the service itself; whether the console lists it as a scope is not
 * documented (docs/feishu-api.md, assumptions), so it is never the reason to refuse a request.
 */
const ALWAYS_ALLOWED = new Set(['offline_access']);

/**
 * Finds scopes the app has not enabled before the user meets Feishu's error 20027 on the consent page: the
 * configured scopes once at start (an error line), every requested set before a session starts (ScopeNotEnabledError).
 * Apps that may not read their own scopes are not checked.
 */
@Injectable()
export class ScopePrecheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScopePrecheck.name);

  constructor(
    private readonly apps: LarkAppRegistry,
    private readonly scopes: AppScopesClient,
  ) {}

  onApplicationBootstrap(): void {
    for (const { settings } of this.apps.all()) {
      void this.assertEnabled(settings.appId, settings.scopes).catch((error: unknown) => {
        if (error instanceof ScopeNotEnabledError) this.logger.error(`configured scopes: ${error.message}`);
      });
    }
  }

  async assertEnabled(appId: string, wanted: readonly string[]): Promise<void> {
    const missing = await this.scopes.notEnabled(
      appId,
      wanted.filter((scope) => !ALWAYS_ALLOWED.has(scope)),
    );
    if (missing.length > 0) {
      throw new ScopeNotEnabledError(appId, missing, this.scopes.consoleUrl(appId));
    }
  }
}
