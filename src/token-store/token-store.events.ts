/**
 * What token-store tells the rest of the service. It never imports auth-session; auth-session listens (with
 * @nestjs/event-emitter) and does the session side: a new card, ending sessions.
 */
export const TOKEN_EVENTS = {
  /** The grant ended without the user asking (revoked, expired, a refresh answer lost): ask them again, once. */
  reauthorizationRequired: 'token.reauthorization-required',
  /** The user (or an API client) logged out; emitted whether or not a token was still active. */
  loggedOut: 'token.logged-out',
} as const;

/** Why a grant ended; the re-authorization card says it in the user's words. */
export type GrantLossReason = 'revoked' | 'expired' | 'lost_response';

export interface ReauthorizationRequiredEvent {
  appId: string;
  openId: string;
  reason: GrantLossReason;
}

export interface LoggedOutEvent {
  appId: string;
  openId: string;
}
