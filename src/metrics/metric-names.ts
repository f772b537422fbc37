/**
 * Every metric this service exports (DESIGN.md §7). Names are those of the original service, kept exactly
 * because existing dashboards use them. No per-user label (open_id, name) anywhere.
 */
export const METRIC = {
  authSessionTotal: 'lark_service_auth_session_total',
  authSessionActive: 'lark_service_auth_session_active',
  authSessionExpiredTotal: 'lark_service_auth_session_expired_total',
  authSuccessTotal: 'lark_service_auth_success_total',
  authFailureTotal: 'lark_service_auth_failure_total',
  authDurationSeconds: 'lark_service_auth_duration_seconds',
  tokenRefreshTotal: 'lark_service_token_refresh_total',
  tokenActiveCount: 'lark_service_token_active_count',
  tokenRefreshDurationSeconds: 'lark_service_token_refresh_duration_seconds',
  tokenRefreshOverdue: 'lark_service_token_refresh_overdue',
  feishuRequestsTotal: 'lark_service_feishu_requests_total',
  feishuRequestDurationSeconds: 'lark_service_feishu_request_duration_seconds',
  wsConnected: 'lark_service_ws_connected',
  callbackRequestsTotal: 'lark_service_callback_requests_total',
} as const;

export const AUTH_FAILURE_REASONS = [
  'denied',
  'expired',
  'invalid_state',
  'replayed',
  'code_exchange_failed',
  'identity_mismatch',
  'card_send_failed',
  'internal',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export const TOKEN_REFRESH_RESULTS = ['success', 'adopted', 'transient_error', 'revoked', 'expired'] as const;
export type TokenRefreshResult = (typeof TOKEN_REFRESH_RESULTS)[number];

/** The Feishu APIs we call, as the `api` label. */
export const FEISHU_APIS = [
  'tenant_token',
  'oauth_token',
  'user_info',
  'message_create',
  'message_patch',
  'ws_endpoint',
] as const;
export type FeishuApi = (typeof FEISHU_APIS)[number];

/** `outcome` of a Feishu request: success, a Feishu error code in the body, HTTP failure, rate limit or timeout. */
export const FEISHU_OUTCOMES = [
  'success',
  'api_error',
  'http_error',
  'rate_limited',
  'timeout',
  'network_error',
] as const;
export type FeishuOutcome = (typeof FEISHU_OUTCOMES)[number];

/** `outcome` of a GET /callback, one per result page. */
export const CALLBACK_OUTCOMES = [
  'success',
  'denied',
  'invalid_state',
  'missing_code',
  'expired',
  'already_used',
  'code_exchange_failed',
  'identity_mismatch',
  'internal',
] as const;
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];
