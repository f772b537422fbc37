/** `'a', 'b'` for an IN (…) list of fixed vocabulary values (constants only, never user input). */
export function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ');
}
