/** Connection-level failures: Postgres is unreachable, restarting, or answered nothing in time. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, cannot connect now). */
const SQLSTATE = /^(08|57P0[1-3]|53300)/;
const MESSAGES = [
  'connection terminated',
  'timeout exceeded when trying to connect',
  'query read timeout',
  'connection error',
  'cannot use a pool after calling end',
  'connection is not established',
];

/**
 * Whether an error means the database cannot be reached right now (as opposed to a query that is wrong): then a
 * request answers 503 DATABASE_UNAVAILABLE with Retry-After, and the caller may simply try again.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth += 1) {
    const { code, message, driverError, cause } = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof message === 'string' && MESSAGES.some((text) => message.toLowerCase().includes(text))) return true;
    current = driverError ?? cause;
  }
  return false;
}
