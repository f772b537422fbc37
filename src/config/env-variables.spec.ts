import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { parse } from 'dotenv';

import { withEnvTable } from './env-docs';
import { ENV_NAMES, ENV_VARIABLES } from './env-variables';
import { envSchema } from './env.schema';
import { loadConfig } from './load-config';

const root = path.resolve(__dirname, '../..');

describe('environment variable documentation', () => {
  it('describes exactly the variables the schema reads', () => {
    expect([...ENV_NAMES].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it.each(['.env.example', 'docs/configuration.md'])('%s lists every variable', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const missing = ENV_VARIABLES.filter((variable) => !text.includes(variable.name)).map((v) => v.name);
    expect(missing).toEqual([]);
  });

  it('docs/configuration.md carries the table generated from the variables (npm run docs:generate)', () => {
    const document = readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    expect(document).toBe(withEnvTable(document));
  });

  it('.env.example passes validation as it is', () => {
    const example = parse(readFileSync(path.join(root, '.env.example')));
    const config = loadConfig(example, { dotenvPath: false });
    expect(config.apps[0]!.openBaseUrl).toBe('http://127.0.0.1:9000');
    expect(config.database.url).toBeUndefined();
  });
});
