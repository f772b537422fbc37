import 'reflect-metadata';

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createApp, openApiDocument } from '../app.factory';
import { AppLogger } from '../common/logging/app-logger';
import { loadConfig } from '../config/load-config';

/**
 * `npm run docs:openapi`: writes docs/openapi.json, the document GET /api/docs-json serves, from the app itself
 * (on a throw-away embedded database; nothing is started or contacted).
 */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lark-card-auth-openapi-'));
  try {
    const config = loadConfig(
      {
        LARK_APP_ID: 'cli_0123456789abcdef',
        LARK_APP_SECRET: 'unused',
        PGLITE_DATA_DIR: join(dataDir, 'pglite'),
        MIGRATIONS_RUN: 'false',
        JOBS_ENABLED: 'false',
      },
      { dotenvPath: false },
    );
    const app = await createApp(config, { logger: new AppLogger({ level: 'error', format: 'pretty' }) });
    try {
      const file = join(__dirname, '..', '..', 'docs', 'openapi.json');
      writeFileSync(file, `${JSON.stringify(openApiDocument(app), null, 2)}\n`);
      console.log(`wrote ${file}`);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
