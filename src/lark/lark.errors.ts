import { AppError } from '../common/errors/app-error';

/** The Feishu APIs we call: the `api` label of lark_service_feishu_requests_total. */
export const FEISHU_APIS = [
  'tenant_token',
  'oauth_token',
  'user_info',
  'message_create',
  'message_patch',
  'ws_endpoint',
  // The app reads its own console configuration (enabled scopes).
  'app_info',
  'device_authorization',
  'device_token',
] as const;
export type FeishuApi = (typeof FEISHU_APIS)[number];

/** How a call to Feishu failed: a code in the body, an HTTP failure, a rate limit, a timeout, no connection. */
export const FEISHU_FAILURE_KINDS = ['api_error', 'http_error', 'rate_limited', 'timeout', 'network_error'] as const;
export type FeishuFailureKind = (typeof FEISHU_FAILURE_KINDS)[number];

/** The `outcome` label of lark_service_feishu_requests_total. */
export const FEISHU_OUTCOMES = ['success', ...FEISHU_FAILURE_KINDS] as const;

/** Codes after which retrying the same request may succeed (docs/feishu-api.md, error codes). */
const RETRYABLE_CODES = new Set([20050, 20072, 99991400]);

/** Rate limits: the app-wide one (HTTP 429) and IM's per-user and per-message 5 QPS (HTTP 400, 230020). */
const RATE_LIMIT_CODES = new Set([99991400, 230020]);

/**
 * Message answers meaning Feishu cannot deliver to this user at all: outside the app's availability (230013), the
 * user blocked the bot (230053), not in the chat (230002), an open_id of another app (99992361).
 */
const RECIPIENT_UNREACHABLE_CODES = new Set([230002, 230013, 230053, 99992361]);

/** Message answers that end a card for good: nothing is retried after them (docs/feishu-api.md, error codes). */
export type CardUnusable = 'recalled' | 'deleted' | 'too_old' | 'blocked';
const CARD_UNUSABLE_CODES: ReadonlyMap<number, CardUnusable> = new Map([
  [230011, 'recalled'],
  [230110, 'deleted'],
  [230031, 'too_old'],
  [230053, 'blocked'],
]);

/**
 * Refresh answers after which the grant is gone and only a new authorization helps: refresh token invalid (20026),
 * expired (20037, also the 365-day limit), revoked (20064), already used (20073), user gone or barred (20008,
 * 20010, 20066). Configuration errors (bad secret, refresh disabled) are deliberately absent: they are the
 * operator's to fix and must not cost every user their grant.
 */
const GRANT_LOST_CODES = new Set([20008, 20010, 20026, 20037, 20064, 20066, 20073]);

/** user_info answers for a user token that is unknown or revoked (99991668, 20005) or expired (99991677). */
const USER_TOKEN_INVALID_CODES = new Set([99991668, 99991677, 20005]);

export interface FeishuFailureDetails {
  httpStatus?: number;
  feishuCode?: number;
  feishuMessage?: string;
  retryAfterSeconds?: number;
  /** The request may have reached Feishu before it failed (a timeout after sending). */
  mayHaveBeenProcessed?: boolean;
  cause?: unknown;
}

/**
 * A failed call to Feishu. `retryable` separates "try again later" (5xx, 20050, 20072, 429, timeouts, network)
 * from final answers (bad code, revoked refresh token, …). The message never carries a token, code or secret:
 * only the API, HTTP status and Feishu's code and message.
 */
export class FeishuApiError extends AppError {
  readonly httpStatus: number | undefined;
  readonly feishuCode: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly mayHaveBeenProcessed: boolean;

  constructor(
    readonly api: FeishuApi,
    readonly kind: FeishuFailureKind,
    readonly retryable: boolean,
    details: FeishuFailureDetails,
  ) {
    super(
      retryable ? 'FEISHU_TEMPORARY_FAILURE' : 'FEISHU_REQUEST_FAILED',
      describe(api, kind, details.httpStatus, details.feishuCode, details.feishuMessage),
      { cause: details.cause },
    );
    this.httpStatus = details.httpStatus;
    this.feishuCode = details.feishuCode;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.mayHaveBeenProcessed = details.mayHaveBeenProcessed ?? false;
  }

  /** The grant behind a refresh token is gone: ask the user again, never retry. */
  get grantLost(): boolean {
    return this.feishuCode !== undefined && GRANT_LOST_CODES.has(this.feishuCode);
  }

  /** The message cannot reach this user: the caller asked for someone the bot cannot talk to. */
  get recipientUnreachable(): boolean {
    return this.feishuCode !== undefined && RECIPIENT_UNREACHABLE_CODES.has(this.feishuCode);
  }

  /** Why the card can never be sent or updated (recalled, deleted, older than 14 days, bot blocked); else undefined. */
  get cardUnusable(): CardUnusable | undefined {
    return this.feishuCode === undefined ? undefined : CARD_UNUSABLE_CODES.get(this.feishuCode);
  }

  /** user_info: the account has resigned (20021) or is frozen (20022); no retry or new request can help. */
  get accountUnavailable(): 'resigned' | 'frozen' | undefined {
    if (this.feishuCode === 20021) return 'resigned';
    if (this.feishuCode === 20022) return 'frozen';
    return undefined;
  }

  /** Feishu does not accept the user access token any more (user_info). */
  get userTokenInvalid(): boolean {
    return this.feishuCode !== undefined && USER_TOKEN_INVALID_CODES.has(this.feishuCode);
  }
}

function describe(api: string, kind: FeishuFailureKind, httpStatus?: number, code?: number, message?: string): string {
  const parts = [`Feishu ${api} request failed (${kind}`];
  if (httpStatus !== undefined) parts.push(`, HTTP ${httpStatus}`);
  if (code !== undefined) parts.push(`, code ${code}`);
  parts.push(')');
  if (message) parts.push(`: ${message.slice(0, 200)}`);
  return parts.join('');
}

/** Turns an HTTP status plus a parsed Feishu body into an error, or undefined when the call succeeded. */
export function feishuErrorFrom(
  api: FeishuApi,
  httpStatus: number,
  body: unknown,
  retryAfterHeader?: string | null,
): FeishuApiError | undefined {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = parseCode(record.code);
  if (httpStatus >= 200 && httpStatus < 300 && code === 0) return undefined;
  const feishuMessage = stringField(record.error_description) ?? stringField(record.msg) ?? stringField(record.error);
  const retryAfterSeconds = retryAfterHeader ? Number(retryAfterHeader) || undefined : undefined;
  if (httpStatus === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    return new FeishuApiError(api, 'rate_limited', true, {
      httpStatus,
      feishuCode: code,
      feishuMessage,
      retryAfterSeconds,
    });
  }
  const kind: FeishuFailureKind = code !== undefined && code !== 0 ? 'api_error' : 'http_error';
  const retryable = httpStatus >= 500 || (code !== undefined && RETRYABLE_CODES.has(code));
  return new FeishuApiError(api, kind, retryable, { httpStatus, feishuCode: code, feishuMessage });
}

/** Feishu sends `code` as a number; some notes report the string "0", so accept both. */
function parseCode(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
