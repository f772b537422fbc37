import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

import { extract } from 'tar-fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
// Files owned by whoever runs the tests, not by the archive's uid (tar-fs chowns as root; @types/tar-fs lacks it).
const UNTAR = { readable: true, chown: false };
const CACHE_ROOT = path.resolve(__dirname, '../../node_modules/.cache/lark-card-auth');

export interface ChromiumInstall {
  executablePath: string;
  /** Extra environment for the browser process. */
  env: Record<string, string>;
  /** Where it came from, for messages. */
  source: string;
}

/**
 * The Chromium for browser tests: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the headless Chromium that
 * the npm package @sparticuz/chromium ships (brotli-compressed; unpacked once into node_modules/.cache, never
 * downloaded). A CHROMIUM_PATH that does not exist falls through to the npm one, as on a machine without Chromium.
 */
export async function findChromium(): Promise<ChromiumInstall> {
  const systemPath = process.env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM;
  if (existsSync(systemPath)) {
    return { executablePath: systemPath, env: {}, source: process.env.CHROMIUM_PATH ? 'CHROMIUM_PATH' : 'Debian' };
  }
  return npmChromium();
}

/** The Chromium of @sparticuz/chromium, unpacked on first use. */
export async function npmChromium(): Promise<ChromiumInstall> {
  const packageDir = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const dir = path.join(CACHE_ROOT, `sparticuz-chromium-${version}`);
  if (!existsSync(path.join(dir, 'chromium'))) await unpackInto(path.join(packageDir, 'bin'), dir);
  return {
    executablePath: path.join(dir, 'chromium'),
    // The package's NSS/expat libraries (a bare machine may lack them) and its own font configuration.
    env: { LD_LIBRARY_PATH: path.join(dir, 'lib'), FONTCONFIG_FILE: path.join(dir, 'fonts.conf') },
    source: `@sparticuz/chromium ${version}`,
  };
}

/** Unpacks into a temporary sibling and renames it into place, so a half-unpacked browser is never used. */
async function unpackInto(binDir: string, dir: string): Promise<void> {
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    await pipeline(
      createReadStream(path.join(binDir, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(path.join(partial, 'chromium')),
    );
    chmodSync(path.join(partial, 'chromium'), 0o755);
    // lib/: libnss3, libnspr4, libexpat…; fonts/: Open Sans (for Latin text where the machine has no fonts) and a
    // fonts.conf that writeFontConfig replaces.
    for (const archive of ['al2023.tar.br', 'fonts.tar.br']) {
      await pipeline(createReadStream(path.join(binDir, archive)), createBrotliDecompress(), extract(partial, UNTAR));
    }
    writeFontConfig(partial, dir);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

/** The machine's fonts when it has any, plus the package's; the font cache stays in the unpacked directory. */
function writeFontConfig(partial: string, dir: string): void {
  const xml = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${path.join(dir, 'fonts')}</dir>
  <cachedir>${path.join(dir, 'fontconfig-cache')}</cachedir>
</fontconfig>
`;
  writeFileSync(path.join(partial, 'fonts.conf'), xml);
}
