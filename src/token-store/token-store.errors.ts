import { AppError } from '../common/errors/app-error';

export class UserTokenNotFoundError extends AppError {
  constructor() {
    super('USER_TOKEN_NOT_FOUND', 'This user has not authorized the app; start an authorization session first.');
  }
}

export class ReauthorizationRequiredError extends AppError {
  constructor() {
    super(
      'REAUTHORIZATION_REQUIRED',
      "The user's authorization has ended (revoked, expired or logged out): start a new authorization session " +
        'with POST /api/v1/auth-sessions; the user gets a card to authorize again.',
    );
  }
}

export class TokenRefreshFailedError extends AppError {
  constructor() {
    super(
      'TOKEN_REFRESH_FAILED',
      'Feishu did not refresh the token just now (it is retried automatically); try again in a few seconds.',
    );
  }
}

export class UnknownEncryptionKeyError extends AppError {
  constructor(readonly keyId: string) {
    super(
      'ENCRYPTION_KEY_UNKNOWN',
      `A stored value was encrypted with key "${keyId}", which is not configured; add it back to TOKEN_ENCRYPTION_KEYS.`,
    );
  }
}

export class TokenDecryptionError extends AppError {
  constructor(keyId: string, cause?: unknown) {
    super(
      'TOKEN_DECRYPTION_FAILED',
      `A stored value could not be decrypted with key "${keyId}": it was altered, truncated or bound to another user.`,
      { cause },
    );
  }
}

export class InvalidEncryptionKeysError extends AppError {
  constructor(message: string) {
    super('ENCRYPTION_KEYS_INVALID', message);
  }
}

export class EncryptionKeysRequiredError extends AppError {
  constructor() {
    super(
      'ENCRYPTION_KEYS_REQUIRED',
      'TOKEN_ENCRYPTION_KEYS must be set when DATABASE_URL is set (format "kid:base64key,…", 32-byte keys).',
    );
  }
}

export class EncryptionKeyFileInvalidError extends AppError {
  constructor(file: string, problem: string, cause?: unknown) {
    super('ENCRYPTION_KEY_FILE_INVALID', `The token encryption key file ${file} ${problem}.`, { cause });
  }
}
