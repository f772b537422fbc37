import { AppError } from './app-error';

export class ValidationFailedError extends AppError {
  constructor(problems: string[]) {
    super('VALIDATION_FAILED', problems.join('; '));
  }
}

export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}

export class ApiTokensNotConfiguredError extends AppError {
  constructor() {
    super('API_TOKENS_NOT_CONFIGURED', 'The REST API is disabled: set API_TOKENS to enable it.');
  }
}
