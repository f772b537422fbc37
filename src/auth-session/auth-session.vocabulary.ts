import type { CardUnusable } from '../lark/lark.errors';

/**
 * The words of the authorization-session domain. The database CHECK constraints, the metric label values and the
 * result pages are all derived from these lists; nothing else spells them out (the frozen migrations excepted).
 */
/** The statuses a session ends in; the cleanup job may delete sessions in them. */
export const TERMINAL_AUTH_SESSION_STATUSES = [
  'completed',
  'rejected',
  'expired',
  'failed',
  'superseded',
  'invalidated',
] as const;
export type TerminalAuthSessionStatus = (typeof TERMINAL_AUTH_SESSION_STATUSES)[number];

export const AUTH_SESSION_STATUSES = [
  'pending',
  // Claimed by one callback while its code is exchanged; never long-lived.
  'exchanging',
  ...TERMINAL_AUTH_SESSION_STATUSES,
] as const;
export type AuthSessionStatus = (typeof AUTH_SESSION_STATUSES)[number];

/** Why an authorization did not complete: the `reason` of lark_service_auth_failure_total. */
export const AUTH_FAILURE_REASONS = [
  'denied',
  'expired',
  'invalid_state',
  'replayed',
  'code_exchange_failed',
  'identity_mismatch',
  'card_send_failed',
  // Feishu cannot deliver to the user (outside the app's availability, blocked the bot, unknown open_id).
  'user_unreachable',
  // user_info: the Feishu account has resigned (20021) or is frozen (20022); asking again cannot help.
  'account_unavailable',
  'internal',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** A session's `reason`: a failure reason, or an ending that is not a failure. */
export const AUTH_SESSION_REASONS = [...AUTH_FAILURE_REASONS, 'superseded', 'logout', 'admin'] as const;
export type AuthSessionReason = (typeof AUTH_SESSION_REASONS)[number];

/** What a GET /callback ended in; one result page each, and the `outcome` of lark_service_callback_requests_total. */
export const CALLBACK_OUTCOMES = [
  'success',
  'denied',
  'invalid_state',
  // Repeated or conflicting parameters: nothing is done with such a link.
  'invalid_request',
  'missing_code',
  'expired',
  'already_used',
  // Another request is exchanging this session's code right now; the page refreshes itself.
  'in_progress',
  // Feishu ended the consent with an error other than the user's refusal; the session stays usable.
  'provider_error',
  'code_exchange_failed',
  'identity_mismatch',
  'account_unavailable',
  // The database did not answer; the session is untouched and the same link works again shortly.
  'unavailable',
  'internal',
] as const;
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];

/**
 * Why a card is beyond reach for good (auth_sessions.card_failure): the user recalled (230011) or deleted (230110) it,
 * it is older than 14 days (230031), or the user blocked the bot (230053). Nothing retries after these.
 */
export const CARD_FAILURES = ['recalled', 'deleted', 'too_old', 'blocked'] as const satisfies readonly CardUnusable[];
export type CardFailure = (typeof CARD_FAILURES)[number];
