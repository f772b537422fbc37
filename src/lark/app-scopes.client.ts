import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../common/clock';
import { describeError } from '../common/errors/describe-error';
import { MetricsService } from '../metrics/metrics.service';
import { LarkAppRegistry } from './app-registry';
import { FeishuApiError } from './lark.errors';
import { callSdk } from './sdk-call';

/** The tenant scope an app needs to read its own configuration. */
export const SELF_MANAGE_SCOPE = 'application:application:self_manage';
/** Console changes show up within this long; a miss is checked again sooner (see enabledUserScopes). */
const CACHE_MS = 60_000;
const MISS_RECHECK_MS = 5_000;

interface Cached {
  at: number;
  scopes: ReadonlySet<string> | undefined;
}

interface ScopeItem {
  scope?: unknown;
  token_types?: unknown;
}

/**
 * The user scopes enabled for an app in the developer console, read with the app's own tenant token
 * (GET /open-apis/application/v6/applications/:app_id, as openclaw-lark's app-scope precheck does). Apps without
 * `application:application:self_manage` cannot read them: then the answer is undefined and nobody checks.
 */
@Injectable()
export class AppScopesClient {
  private readonly logger = new Logger(AppScopesClient.name);
  private readonly cache = new Map<string, Cached>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly apps: LarkAppRegistry,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /** The enabled user scopes, or undefined when they cannot be read (not allowed, or Feishu failed). */
  async enabledUserScopes(appId: string, fresh = false): Promise<ReadonlySet<string> | undefined> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(appId);
    if (cached && !fresh && now - cached.at < CACHE_MS) return cached.scopes;
    const scopes = await this.read(appId);
    this.cache.set(appId, { at: now, scopes });
    return scopes;
  }

  /**
   * The scopes of `wanted` that are not enabled; a miss in the cache is read again (at most every 5 s), so a scope
   * just enabled in the console is not refused for a minute. Empty when the scopes cannot be read.
   */
  async notEnabled(appId: string, wanted: readonly string[]): Promise<string[]> {
    let enabled = await this.enabledUserScopes(appId);
    let missing = enabled ? wanted.filter((scope) => !enabled!.has(scope)) : [];
    const age = this.clock.now().getTime() - (this.cache.get(appId)?.at ?? 0);
    if (missing.length > 0 && age >= MISS_RECHECK_MS) {
      enabled = await this.enabledUserScopes(appId, true);
      missing = enabled ? wanted.filter((scope) => !enabled!.has(scope)) : [];
    }
    return missing;
  }

  /** Where in the developer console the app's scopes are enabled. */
  consoleUrl(appId: string): string {
    const base = this.apps.settings(appId).openBaseUrl.replace(/\/+$/, '');
    return `${base}/app/${encodeURIComponent(appId)}/auth`;
  }

  private async read(appId: string): Promise<ReadonlySet<string> | undefined> {
    const app = this.apps.get(appId);
    try {
      const body = await callSdk(app, this.metrics, 'app_info', () =>
        app.client.request({
          method: 'GET',
          url: `/open-apis/application/v6/applications/${encodeURIComponent(appId)}`,
          params: { lang: 'zh_cn' },
        }),
      );
      const data = (body.data ?? {}) as { app?: { scopes?: ScopeItem[] } };
      const items = Array.isArray(data.app?.scopes) ? data.app.scopes : [];
      return new Set(
        items
          .filter((item) => Array.isArray(item.token_types) && item.token_types.includes('user'))
          .map((item) => item.scope)
          .filter((scope): scope is string => typeof scope === 'string'),
      );
    } catch (error) {
      const notAllowed = error instanceof FeishuApiError && error.feishuCode === 99991672;
      const why = notAllowed ? `the app lacks ${SELF_MANAGE_SCOPE}` : describeError(error);
      // Once per app and kind of failure: the answer is asked for again every minute.
      const key = `${appId}:${notAllowed}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.logger.warn(`cannot read the enabled scopes of ${appId}, so requested scopes go unchecked: ${why}`);
      }
      return undefined;
    }
  }
}
