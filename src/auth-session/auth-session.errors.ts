import { AppError } from '../common/errors/app-error';

export class AuthSessionNotFoundError extends AppError {
  constructor() {
    super('AUTH_SESSION_NOT_FOUND', 'No authorization session with this id.');
  }
}

export class CardSendFailedError extends AppError {
  constructor(cause: unknown) {
    super('CARD_SEND_FAILED', 'The authorization card could not be sent to the user through Feishu.', { cause });
  }
}

export class UserUnreachableError extends AppError {
  constructor(cause: unknown) {
    super(
      'USER_UNREACHABLE',
      "Feishu cannot deliver a card to this user: they are outside the app's availability range, blocked the bot, or " +
        'the open_id belongs to another app.',
      { cause },
    );
  }
}

/** The request asks for scopes the app has not enabled in the developer console; Feishu would show error 20027. */
export class ScopeNotEnabledError extends AppError {
  constructor(
    readonly appId: string,
    readonly scopes: readonly string[],
    readonly consoleUrl: string,
  ) {
    super(
      'SCOPE_NOT_ENABLED',
      `Scope${scopes.length > 1 ? 's' : ''} ${scopes.join(', ')} ${scopes.length > 1 ? 'are' : 'is'} not enabled for app ` +
        `${appId}. Enable ${scopes.length > 1 ? 'them' : 'it'} in the developer console (Permissions & Scopes): ` +
        `${consoleUrl}`,
    );
  }
}

export class DeviceAuthorizationFailedError extends AppError {
  constructor(cause: unknown) {
    super('DEVICE_AUTHORIZATION_FAILED', 'Feishu did not issue a device code for the authorization.', { cause });
  }
}
