import { Injectable } from '@nestjs/common';

/** Time as a dependency, so tests can move it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
