import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { withEnvTable } from '../config/env-docs';

/** `npm run docs:generate`: rewrites the generated parts of docs/ from the code they describe. */
const file = join(__dirname, '..', '..', 'docs', 'configuration.md');
const before = readFileSync(file, 'utf8');
const after = withEnvTable(before);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'docs/configuration.md is up to date' : 'rewrote docs/configuration.md');
