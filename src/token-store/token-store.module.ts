import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { redactor } from '../common/logging/redact';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { resolveEncryptionKeys } from './encryption-keys';
import { TokenCipher } from './token-cipher';
import { TokenStoreService } from './token-store.service';
import { UserToken } from './user-token.entity';
import { UserTokenController } from './user-token.controller';
import { UserTokenRepository } from './user-token.repository';

function createCipher(config: AppConfig): TokenCipher {
  const keys = resolveEncryptionKeys(config, new Logger('EncryptionKeys'));
  // A generated key file's key is not in the config, so it is registered for redaction here.
  for (const { key } of keys) redactor.addSecret(key.toString('base64'));
  return new TokenCipher(keys);
}

@Module({
  imports: [TypeOrmModule.forFeature([UserToken])],
  providers: [
    { provide: TokenCipher, inject: [APP_CONFIG], useFactory: createCipher },
    UserTokenRepository,
    TokenStoreService,
  ],
  controllers: [UserTokenController],
  exports: [TokenCipher, TokenStoreService],
})
export class TokenStoreModule {}
