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
      "The user's authorization has ended (revoked, expired or logged out); start a new authorization session.",
    );
  }
}
