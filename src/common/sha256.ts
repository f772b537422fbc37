import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of a UTF-8 string: how states and refresh tokens are stored and compared. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
