import type { AppErrorCode } from './error-codes';

/**
 * Base of every expected error: a stable machine-readable `code` and a message that is safe to show
 * (never a token, code, state or secret). The HTTP exception filter maps codes to statuses.
 */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
