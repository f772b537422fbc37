import * as lark from '@larksuiteoapi/node-sdk';

import { AppConfig } from '../config/app-config';
import { createSdkLogger } from './sdk-logger';

export const LARK_CLIENT = Symbol('LARK_CLIENT');
export type LarkClient = lark.Client;

/** The SDK Client for Open APIs; the domain comes from config, so the simulator and Feishu differ only by LARK_DOMAIN. */
export function createLarkClient(config: AppConfig): LarkClient {
  // The SDK's shared axios instance has no timeout; without one a hung Feishu call would hang its caller.
  lark.defaultHttpInstance.defaults.timeout = config.lark.httpTimeoutMs;
  return new lark.Client({
    appId: config.lark.appId,
    appSecret: config.lark.appSecret,
    domain: config.lark.openBaseUrl,
    // A private cache: the SDK's default one is process-global and would share tenant tokens across apps.
    cache: new lark.DefaultCache(),
    logger: createSdkLogger('LarkClient'),
    loggerLevel: lark.LoggerLevel.info,
  });
}
