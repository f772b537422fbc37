import { HttpStatus } from '@nestjs/common';

/**
 * Every stable error code and the HTTP status it answers with. The codes are part of the API contract (clients
 * switch on them); a code missing here fails the typecheck instead of becoming a 500.
 */
export const HTTP_STATUS_BY_CODE = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  API_TOKENS_NOT_CONFIGURED: HttpStatus.SERVICE_UNAVAILABLE,
  AUTH_SESSION_NOT_FOUND: HttpStatus.NOT_FOUND,
  USER_TOKEN_NOT_FOUND: HttpStatus.NOT_FOUND,
  REAUTHORIZATION_REQUIRED: HttpStatus.CONFLICT,
  TOKEN_REFRESH_FAILED: HttpStatus.SERVICE_UNAVAILABLE,
  CARD_SEND_FAILED: HttpStatus.BAD_GATEWAY,
  FEISHU_REQUEST_FAILED: HttpStatus.BAD_GATEWAY,
  FEISHU_TEMPORARY_FAILURE: HttpStatus.BAD_GATEWAY,
  NOT_IMPLEMENTED: HttpStatus.NOT_IMPLEMENTED,
  ENCRYPTION_KEY_UNKNOWN: HttpStatus.INTERNAL_SERVER_ERROR,
  TOKEN_DECRYPTION_FAILED: HttpStatus.INTERNAL_SERVER_ERROR,
  ENCRYPTION_KEYS_INVALID: HttpStatus.INTERNAL_SERVER_ERROR,
  ENCRYPTION_KEYS_REQUIRED: HttpStatus.INTERNAL_SERVER_ERROR,
  ENCRYPTION_KEY_FILE_INVALID: HttpStatus.INTERNAL_SERVER_ERROR,
  CONFIG_INVALID: HttpStatus.INTERNAL_SERVER_ERROR,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
} as const satisfies Record<string, HttpStatus>;

export type AppErrorCode = keyof typeof HTTP_STATUS_BY_CODE;
