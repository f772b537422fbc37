import { AppError } from '../common/errors/app-error';

export class AppIdRequiredError extends AppError {
  constructor(where: 'body' | 'query') {
    super('APP_ID_REQUIRED', `Several apps are configured: name one with appId (in the ${where}).`);
  }
}

export class AppNotFoundError extends AppError {
  constructor() {
    super('APP_NOT_FOUND', 'No app with this appId is configured (GET /api/v1/apps lists them).');
  }
}

/** Says nothing about the app's users: it is answered before anything of the app is read. */
export class AppForbiddenError extends AppError {
  constructor() {
    super('APP_FORBIDDEN', 'This API token may not use this app.');
  }
}
