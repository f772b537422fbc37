import { Module } from '@nestjs/common';

import { LarkModule } from '../lark/lark.module';
import { CardMessenger } from './card-messenger';

@Module({ imports: [LarkModule], providers: [CardMessenger], exports: [CardMessenger] })
export class MessagingModule {}
