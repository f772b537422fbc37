import { resolve } from 'node:path';

import { PGliteOptions, types } from '@electric-sql/pglite';
import { PGliteDriver } from 'typeorm-pglite';

import { lockDataDir } from './data-dir-lock';

let openDir: string | undefined;
let openCount = 0;
let releaseLock: (() => void) | undefined;

/**
 * TypeORM `driver` for embedded PGlite in `dataDir`. typeorm-pglite keeps ONE PGlite instance per process and
 * takes its options from the last PGliteDriver constructed, so this wrapper applies the options only when the
 * pool is created (DataSource.initialize), lets several DataSources share one open directory (the instance is
 * closed when the last of them is destroyed) and refuses a second, different directory instead of silently
 * handing out the first one.
 */
export function pgliteDriver(dataDir: string): unknown {
  const dir = resolve(dataDir);
  const options: PGliteOptions = { dataDir: dir, parsers: { [types.BYTEA]: parseBytea } };
  const BasePool = new PGliteDriver(options).driver.Pool;

  class SharedPglitePool extends BasePool {
    private ended = false;

    constructor() {
      if (openDir !== undefined && openDir !== dir) {
        throw new Error(
          `PGlite: ${openDir} is already open in this process; one embedded database at a time (destroy it first)`,
        );
      }
      if (openCount === 0) {
        releaseLock = lockDataDir(dir);
        new PGliteDriver(options);
      }
      openDir = dir;
      openCount += 1;
      super();
    }

    override end(callback: (error: unknown) => void): void {
      if (this.ended) return callback(null);
      this.ended = true;
      openCount -= 1;
      if (openCount > 0) return callback(null);
      openDir = undefined;
      super.end((error: unknown) => {
        releaseLock?.();
        releaseLock = undefined;
        callback(error);
      });
    }
  }

  return class PgliteDriverModule {
    static Pool = SharedPglitePool;
  };
}

/** bytea as a Node Buffer, as pg returns it (PGlite's default is a bare Uint8Array, which Buffer APIs reject). */
function parseBytea(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}
