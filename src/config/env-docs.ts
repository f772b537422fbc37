import { ENV_VARIABLES, EnvVariable } from './env-variables';

export const TABLE_START = '<!-- generated from src/config/env-variables.ts: npm run docs:generate -->';
export const TABLE_END = '<!-- end of generated table -->';

/** The variables table of docs/configuration.md, rendered from the one list of variables. */
export function renderEnvTable(variables: readonly EnvVariable[] = ENV_VARIABLES): string {
  const rows = variables.map((variable) =>
    [
      `\`${variable.name}\``,
      defaultCell(variable),
      escapeCell(variable.description),
      escapeCell(variable.allowed),
      variable.secret ? 'yes' : '',
    ].join(' | '),
  );
  return [
    '| Variable | Default | What | Allowed | Secret |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** `document` with the text between the markers replaced by the current table. */
export function withEnvTable(document: string): string {
  const start = document.indexOf(TABLE_START);
  const end = document.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('docs/configuration.md lacks the generated-table markers');
  return `${document.slice(0, start + TABLE_START.length)}\n${renderEnvTable()}\n${document.slice(end)}`;
}

function defaultCell(variable: EnvVariable): string {
  if (variable.default === undefined) return variable.required ? '— (required)' : '—';
  return variable.default === '' ? 'empty' : `\`${variable.default}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
