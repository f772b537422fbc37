import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { ConfigValidationError } from './config.errors';
import { exitOnInvalidConfig, loadConfig, loadConfigOrExit, loadDatabaseConfig } from './load-config';

const MINIMAL = { LARK_APP_ID: 'cli_0123456789abcdef', LARK_APP_SECRET: 'app-secret-value' };

describe('loadConfig', () => {
  let dir: string;
  let dotenv: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'load-config-'));
    dotenv = path.join(dir, '.env');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fills unset variables from the .env file without overriding set ones', () => {
    writeFileSync(dotenv, 'LARK_APP_ID=cli_ffffffffffffffff\nLARK_APP_SECRET=from-file\nLOG_LEVEL=debug\n');
    const config = loadConfig({ LARK_APP_ID: 'cli_0123456789abcdef' }, { dotenvPath: dotenv });
    expect(config.apps[0]!.appId).toBe('cli_0123456789abcdef');
    expect(config.apps[0]!.appSecret).toBe('from-file');
    expect(config.log.level).toBe('debug');
  });

  it('reads no .env for an explicit env object unless asked to', () => {
    const cwd = process.cwd();
    writeFileSync(dotenv, 'LOG_LEVEL=trace\n');
    process.chdir(dir);
    try {
      expect(loadConfig(MINIMAL).log.level).toBe('info');
      expect(loadConfig(MINIMAL, { dotenvPath: '.env' }).log.level).toBe('trace');
    } finally {
      process.chdir(cwd);
    }
  });

  it('ignores a missing .env file', () => {
    expect(loadConfig(MINIMAL, { dotenvPath: path.join(dir, 'absent.env') }).apps[0]!.appId).toBe(MINIMAL.LARK_APP_ID);
  });

  it('throws ConfigValidationError with code CONFIG_INVALID', () => {
    expect(() => loadConfig({}, { dotenvPath: false })).toThrow(ConfigValidationError);
    expect(() => loadConfig({}, { dotenvPath: false })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('loadDatabaseConfig', () => {
  it('needs only the database variables', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://h/db' }, { dotenvPath: false })).toEqual({
      url: 'postgres://h/db',
      pgliteDataDir: './data/pglite',
      migrationsRun: true,
    });
    expect(loadDatabaseConfig({ PGLITE_DATA_DIR: '/tmp/x' }, { dotenvPath: false }).pgliteDataDir).toBe('/tmp/x');
  });

  it('still rejects a bad DATABASE_URL', () => {
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://h/db' }, { dotenvPath: false })).toThrow(/DATABASE_URL/);
  });
});

describe('loadConfigOrExit', () => {
  it('writes only the message to stderr and exits with 1', () => {
    const written: string[] = [];
    const io = {
      writeError: (text: string) => written.push(text),
      exit: (code: number): never => {
        throw new Error(`exit ${code}`);
      },
    };
    expect(() => exitOnInvalidConfig(() => loadConfig({ LARK_APP_ID: 'nope' }, { dotenvPath: false }), io)).toThrow(
      'exit 1',
    );
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(
      /^Invalid configuration \(2 problems\):\n {2}- LARK_APP_ID: .*\n {2}- LARK_APP_SECRET: .*\n$/,
    );
  });

  it('rethrows any other error', () => {
    const io = { writeError: jest.fn(), exit: jest.fn() as unknown as (code: number) => never };
    expect(() =>
      exitOnInvalidConfig(() => {
        throw new Error('boom');
      }, io),
    ).toThrow('boom');
    expect(io.writeError).not.toHaveBeenCalled();
  });

  it('returns the config when it is valid', () => {
    expect(loadConfigOrExit(MINIMAL, { dotenvPath: false }).apps[0]!.appId).toBe(MINIMAL.LARK_APP_ID);
  });
});
