import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The module map of docs/architecture.md, enforced: each module may import only the modules listed for it, nothing
 * imports the composition root (src/*.ts, src/cli/), and only a Nest module file imports a controller. Type-only
 * imports count too: a dependency is a dependency.
 */
const ALLOWED: Record<string, readonly string[]> = {
  common: [],
  config: ['common'],
  metrics: ['common', 'config'],
  database: ['common', 'config'],
  http: ['common', 'config'],
  scheduling: ['common', 'config', 'metrics'],
  lark: ['common', 'config', 'metrics'],
  messaging: ['common', 'config', 'metrics', 'lark'],
  health: ['common', 'config', 'metrics', 'database', 'lark'],
  'token-store': ['common', 'config', 'metrics', 'database', 'http', 'lark', 'scheduling'],
  'auth-session': ['common', 'config', 'metrics', 'database', 'http', 'lark', 'messaging', 'scheduling', 'token-store'],
  callback: ['common', 'config', 'metrics', 'http', 'auth-session'],
};
const COMPOSITION_ROOT = 'app';

const SRC = path.resolve(__dirname);

interface ImportEdge {
  file: string;
  target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** `auth-session`, `lark`, … for a file under src/; the composition root for src/*.ts and src/cli/. */
function moduleOf(file: string): string {
  const [first, ...rest] = path.relative(SRC, file).split(path.sep);
  return rest.length === 0 || first === 'cli' ? COMPOSITION_ROOT : (first ?? COMPOSITION_ROOT);
}

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)];
  return specifiers.map((match) => ({
    file,
    target: path.resolve(path.dirname(file), `${match[1] ?? ''}.ts`),
  }));
}

const edges = sourceFiles(SRC).flatMap(importsOf);

describe('module boundaries (docs/architecture.md)', () => {
  it('lists every module of src/', () => {
    const modules = new Set(sourceFiles(SRC).map(moduleOf));
    modules.delete(COMPOSITION_ROOT);
    expect([...modules].sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('has no import arrow the map does not allow', () => {
    const forbidden = edges
      .map(({ file, target }) => ({ from: moduleOf(file), to: moduleOf(target), file, target }))
      .filter(({ from, to }) => from !== to && from !== COMPOSITION_ROOT && !(ALLOWED[from] ?? []).includes(to))
      .map(({ file, target }) => `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
    expect(forbidden).toEqual([]);
  });

  it('imports a controller only to register it in its own Nest module', () => {
    const offenders = edges
      .filter(({ file, target }) => target.endsWith('.controller.ts') && !file.endsWith('.module.ts'))
      .map(({ file, target }) => `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
    expect(offenders).toEqual([]);
  });

  it('the allowed arrows form no cycle between modules', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (module: string, trail: string[]) => {
      if (done.has(module)) return;
      if (visiting.has(module)) {
        cycles.push([...trail, module].join(' → '));
        return;
      }
      visiting.add(module);
      for (const next of ALLOWED[module] ?? []) visit(next, [...trail, module]);
      visiting.delete(module);
      done.add(module);
    };
    for (const module of Object.keys(ALLOWED)) visit(module, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the SDK inside lark/', () => {
    const offenders = sourceFiles(SRC)
      .filter(
        (file) => moduleOf(file) !== 'lark' && /['"]@larksuiteoapi\/node-sdk['"]/.test(readFileSync(file, 'utf8')),
      )
      .map((file) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
  });
});
