import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../..');
const loadConfigModule = path.join(root, 'src/config/load-config');
const swcRegister = require.resolve('@swc-node/register', { paths: [root] });
const KEY_MATERIAL = 'U2VjcmV0S2V5TWF0ZXJpYWxOb3RUaGlydHlUd28=';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A real process calling loadConfigOrExit() with exactly `env`, in `cwd` (no .env unless the test writes one). */
function loadConfigInProcess(env: Record<string, string>, cwd: string): Promise<Exit> {
  const script = `require(${JSON.stringify(loadConfigModule)}).loadConfigOrExit(); console.log('config ok');`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', swcRegister, '-e', script],
      { cwd, env: { PATH: process.env.PATH ?? '', SWC_NODE_PROJECT: path.join(root, 'tsconfig.json'), ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('loadConfigOrExit in a real process', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'config-exit-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('exits 1 with one message naming every bad variable, no stack trace and no key material', async () => {
    const result = await loadConfigInProcess(
      { LARK_APP_SECRET: 'app-secret-value', TOKEN_ENCRYPTION_KEYS: `k1:${KEY_MATERIAL}` },
      cwd,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const output = result.stderr;
    expect(output.match(/Invalid configuration/g)).toHaveLength(1);
    expect(output).toMatch(/^Invalid configuration \(2 problems\):\n/);
    expect(output).toContain('  - LARK_APP_ID: is missing');
    expect(output).toContain('  - TOKEN_ENCRYPTION_KEYS: entry 1 has a key of 29 bytes; AES-256 needs exactly 32');
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain(KEY_MATERIAL);
    expect(output).not.toContain('app-secret-value');
  });

  it('starts with the variables from a .env in the working directory', async () => {
    writeFileSync(path.join(cwd, '.env'), 'LARK_APP_ID=cli_0123456789abcdef\nLARK_APP_SECRET=from-dotenv\n');
    const result = await loadConfigInProcess({}, cwd);
    expect(result).toEqual({ code: 0, stdout: 'config ok\n', stderr: '' });
  });
});
