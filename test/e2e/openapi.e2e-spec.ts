import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { startHarness, Harness } from '../support/app-harness';
import { ROOT } from '../support/jest-run';

describe('docs/openapi.json', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'pglite' });
  }, 30_000);
  afterAll(async () => h?.close());

  it('is the document the service serves at /api/docs-json (regenerate with npm run docs:openapi)', async () => {
    const served = await fetch(`${h.baseUrl}/api/docs-json`).then((response) => response.json());
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(served);
    expect(Object.keys(committed.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth-sessions', '/api/v1/users/{openId}/token']),
    );
  });
});
