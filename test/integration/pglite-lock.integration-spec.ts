import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { assertPgliteCanStart, createTestDataSource, removeTempDir, tempPgliteDir } from '../support/database';

describe('one process per embedded PGlite directory', () => {
  let root: string;
  let dataDir: string;

  beforeAll(() => assertPgliteCanStart());
  beforeEach(() => {
    root = tempPgliteDir();
    dataDir = path.join(root, 'pglite');
  });
  afterEach(() => removeTempDir(root));

  it('refuses a directory that a live process holds, naming it, and leaves the lock alone', async () => {
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(`${dataDir}.lock`, `${holder.pid}\n`);
      await expect(createTestDataSource({ pgliteDir: dataDir })).rejects.toThrow(
        `in use by another process (pid ${holder.pid})`,
      );
      expect(readFileSync(`${dataDir}.lock`, 'utf8').trim()).toBe(String(holder.pid));
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a dead process, holds it while open and releases it on destroy', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(`${dataDir}.lock`, `${dead.pid}\n`);
    const dataSource = await createTestDataSource({ pgliteDir: dataDir });
    expect(readFileSync(`${dataDir}.lock`, 'utf8').trim()).toBe(String(process.pid));
    await dataSource.destroy();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 60_000);
});
