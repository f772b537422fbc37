import * as lark from '@larksuiteoapi/node-sdk';

import { AppSettings } from '../config/app-config';
import { createSdkLogger } from './sdk-logger';

export type LarkClient = lark.Client;

/** The SDK Client of one app; the domain comes from config, so the simulator and Feishu differ only by the domain. */
export function createLarkClient(app: AppSettings, httpTimeoutMs: number): LarkClient {
  // The SDK's shared axios instance has no timeout; without one a hung Feishu call would hang its caller.
  lark.defaultHttpInstance.defaults.timeout = httpTimeoutMs;
  return new lark.Client({
    appId: app.appId,
    appSecret: app.appSecret,
    domain: app.openBaseUrl,
    // A private cache: the SDK's default one is process-global and would share tenant tokens across apps.
    cache: new lark.DefaultCache(),
    logger: createSdkLogger('LarkClient'),
    loggerLevel: lark.LoggerLevel.info,
  });
}
