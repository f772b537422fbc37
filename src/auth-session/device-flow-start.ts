import { Injectable, Logger } from '@nestjs/common';

import { DeviceFlowClient } from '../lark/device-flow.client';
import { FeishuApiError } from '../lark/lark.errors';
import { TokenCipher } from '../token-store/token-cipher';
import { AuthSession } from './auth-session.entity';
import { DeviceAuthorizationFailedError } from './auth-session.errors';

/** A device code Feishu issued for a new session, ready to be stored (encrypted) on it. */
export interface StartedDeviceFlow {
  verificationUriComplete: string;
  expiresInSeconds: number;
  columns(now: Date): Partial<AuthSession>;
}

/**
 * The first step of a device-flow session (docs/device-flow.md): Feishu issues the device code and the user code
 * before the session row exists, so a failure leaves nothing behind. The device code is encrypted like the PKCE
 * verifier (same key, same additional data) and never leaves this object in clear.
 */
@Injectable()
export class DeviceFlowStart {
  private readonly logger = new Logger(DeviceFlowStart.name);

  constructor(
    private readonly client: DeviceFlowClient,
    private readonly cipher: TokenCipher,
  ) {}

  async start(appId: string, openId: string, scopes: readonly string[]): Promise<StartedDeviceFlow> {
    let device;
    try {
      device = await this.client.requestDeviceAuthorization(appId, scopes);
    } catch (error) {
      if (!(error instanceof FeishuApiError)) throw error;
      this.logger.error(`device authorization for ${openId} failed: ${error.message}`);
      throw new DeviceAuthorizationFailedError(error);
    }
    const code = this.cipher.encrypt(device.deviceCode, `${appId}:${openId}`);
    return {
      verificationUriComplete: device.verificationUriComplete,
      expiresInSeconds: device.expiresInSeconds,
      columns: (now) => ({
        flow: 'device',
        deviceCodeEnc: code.value,
        keyId: code.keyId,
        userCode: device.userCode,
        verificationUri: device.verificationUriComplete,
        pollIntervalSeconds: device.intervalSeconds,
        nextPollAt: new Date(now.getTime() + device.intervalSeconds * 1000),
      }),
    };
  }
}
