/**
 * Every metric this service exports. Names are those of the original service, kept exactly because existing
 * dashboards use them. No per-user label (open_id, name) anywhere; label values come from the modules that own
 * the vocabulary (docs/operations.md lists them).
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
  eventInboxBacklog: 'lark_service_event_inbox_backlog',
  callbackRequestsTotal: 'lark_service_callback_requests_total',
  jobRunsTotal: 'lark_service_job_runs_total',
  jobDurationSeconds: 'lark_service_job_duration_seconds',
  jobLastSuccessTimestamp: 'lark_service_job_last_success_timestamp_seconds',
  devicePollTotal: 'lark_service_device_poll_total',
  deviceAuthorizationTotal: 'lark_service_device_authorization_total',
} as const;
