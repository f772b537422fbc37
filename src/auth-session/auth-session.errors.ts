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
