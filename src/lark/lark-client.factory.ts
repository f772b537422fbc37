import * as lark from '@larksuiteoapi/node-sdk';

import { AppSettings } from '../config/app-config';
import { createSdkLogger } from './sdk-logger';

export type LarkClient = lark.Client;

/**
 * The SDK Client of one app, and a way to forget its cached tenant token; the domain comes from config, so the
 * simulator and Feishu differ only by the domain.
 */
export function createLarkClient(
  app: AppSettings,
  httpTimeoutMs: number,
): { client: LarkClient; dropTenantToken: () => Promise<void> } {
  // The SDK's shared axios instance has no timeout; without one a hung Feishu call would hang its caller.
  lark.defaultHttpInstance.defaults.timeout = httpTimeoutMs;
  const cache = new lark.DefaultCache();
  const client = new lark.Client({
    appId: app.appId,
    appSecret: app.appSecret,
    domain: app.openBaseUrl,
    // A private cache: the SDK's default one is process-global and would share tenant tokens across apps.
    cache,
    logger: createSdkLogger('LarkClient'),
    loggerLevel: lark.LoggerLevel.info,
  });
  // An empty, already expired entry: the SDK fetches a new token on its next call.
  const dropTenantToken = async () => void (await cache.set(lark.CTenantAccessToken, '', 0, { namespace: app.appId }));
  return { client, dropTenantToken };
}
