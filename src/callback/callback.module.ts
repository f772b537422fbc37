import { DynamicModule, Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';

import { AuthSessionModule } from '../auth-session/auth-session.module';
import { CallbackController } from './callback.controller';

@Module({ imports: [AuthSessionModule], controllers: [CallbackController] })
export class CallbackModule {
  /** Mounts GET /callback at the path of OAUTH_REDIRECT_URI, so the two can never disagree. */
  static forPath(path: string): Array<DynamicModule | typeof CallbackModule> {
    return [CallbackModule, RouterModule.register([{ path, module: CallbackModule }])];
  }
}
