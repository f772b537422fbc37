import { DataSource } from 'typeorm';

import { sha256Hex } from '../../src/common/sha256';
import { EncryptionKey } from '../../src/config/app-config';
import { TokenCipher } from '../../src/token-store/token-cipher';
import { UserToken } from '../../src/token-store/user-token.entity';
import { UserTokenRepository } from '../../src/token-store/user-token.repository';
import { SimControlClient } from '../simulator';

export interface SeededUser {
  openId: string;
  refreshToken: string;
}

/**
 * `count` users who authorized the app: real grants in the simulator (without the consent page), stored through the
 * service's own repository and cipher, as a completed callback would store them. `dueInSeconds` (negative = due
 * already) sets when each token is due for refresh.
 */
export async function seedAuthorizedUsers(options: {
  control: SimControlClient;
  dataSource: DataSource;
  keys: EncryptionKey[];
  appId: string;
  count: number;
  dueInSeconds: number;
  namePrefix?: string;
  /** The service's idea of now (a FakeClock's); default the real time. */
  now?: Date;
}): Promise<SeededUser[]> {
  const { control, dataSource, appId } = options;
  const cipher = new TokenCipher(options.keys);
  const repository = new UserTokenRepository(dataSource.getRepository(UserToken));
  const now = (options.now ?? new Date()).getTime();
  const seeded: SeededUser[] = [];
  const indexes = Array.from({ length: options.count }, (_, index) => index);
  for (let start = 0; start < indexes.length; start += 50) {
    await Promise.all(
      indexes.slice(start, start + 50).map(async (index) => {
        const user = await control.createUser(`${options.namePrefix ?? 'Seeded'} ${index}`);
        const tokens = await control.grant(user.openId);
        const aad = `${appId}:${user.openId}`;
        const access = cipher.encrypt(tokens.access_token, aad);
        await repository.upsertGrant({
          appId,
          openId: user.openId,
          unionId: null,
          userId: null,
          name: user.name,
          accessTokenEnc: access.value,
          refreshTokenEnc: tokens.refresh_token ? cipher.encrypt(tokens.refresh_token, aad).value : null,
          keyId: access.keyId,
          refreshTokenHash: tokens.refresh_token ? sha256Hex(tokens.refresh_token) : null,
          scopes: tokens.scope.split(' '),
          accessExpiresAt: new Date(now + tokens.expires_in * 1000),
          refreshExpiresAt: tokens.refresh_token_expires_in
            ? new Date(now + tokens.refresh_token_expires_in * 1000)
            : null,
          grantedAt: new Date(now),
          refreshDueAt: new Date(now + options.dueInSeconds * 1000),
        });
        seeded.push({ openId: user.openId, refreshToken: tokens.refresh_token ?? '' });
      }),
    );
  }
  return seeded;
}
