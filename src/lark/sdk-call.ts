import { MetricsService } from '../metrics/metrics.service';
import { LarkApp } from './app-registry';
import { FeishuApi, FeishuApiError, feishuErrorFrom } from './lark.errors';

/** The tenant token the SDK sent is not (any more) valid: Feishu revoked it or it is of another app. */
const TENANT_TOKEN_INVALID = 99991663;

interface AxiosLikeError {
  isAxiosError?: boolean;
  code?: string;
  response?: { status: number; data?: unknown; headers?: Record<string, unknown> };
}

/**
 * One call through an app's SDK Client (tenant token handled by the SDK), counted in metrics. The SDK throws on
 * non-2xx and resolves with the body on 2xx, so both paths become the same FeishuApiError, including an error code
 * hidden in an HTTP 200 body. A refused tenant token (99991663) is dropped from the SDK's cache and the call made
 * once more with a fresh one.
 */
export async function callSdk(
  app: LarkApp,
  metrics: MetricsService,
  api: FeishuApi,
  request: () => Promise<unknown>,
): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt += 1) {
    const started = performance.now();
    let failure: FeishuApiError | undefined;
    let body: Record<string, unknown> = {};
    try {
      body = ((await request()) ?? {}) as Record<string, unknown>;
      failure = feishuErrorFrom(api, 200, body);
    } catch (error) {
      failure = fromThrown(api, error);
    }
    const outcome = failure ? failure.kind : 'success';
    metrics.feishuRequest(app.settings.appId, failure?.api ?? api, outcome, (performance.now() - started) / 1000);
    if (failure?.feishuCode === TENANT_TOKEN_INVALID && attempt === 1) {
      await app.dropTenantToken();
      continue;
    }
    if (failure) throw failure;
    return body;
  }
}

/** The SDK's own message when the tenant token answer carries no token (an error code inside HTTP 200). */
const TENANT_TOKEN_FAILURE = /^failed to get tenant_access_token, code: (-?\d+), msg: (.*)$/s;

function fromThrown(api: FeishuApi, error: unknown): FeishuApiError {
  const axios = error as AxiosLikeError;
  if (axios?.response) {
    const reset = axios.response.headers?.['x-ogw-ratelimit-reset'];
    return (
      feishuErrorFrom(
        api,
        axios.response.status,
        axios.response.data,
        typeof reset === 'string' || typeof reset === 'number' ? String(reset) : null,
      ) ?? new FeishuApiError(api, 'http_error', false, { httpStatus: axios.response.status })
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const tenantToken = TENANT_TOKEN_FAILURE.exec(message);
  if (tenantToken) {
    // Feishu answered, with a code: a Feishu error of the tenant token call, not a network failure.
    return (
      feishuErrorFrom('tenant_token', 200, { code: Number(tenantToken[1]), msg: tenantToken[2] }) ??
      new FeishuApiError('tenant_token', 'api_error', false, { feishuMessage: message.slice(0, 200) })
    );
  }
  const timedOut = axios?.code === 'ECONNABORTED' || axios?.code === 'ETIMEDOUT';
  return new FeishuApiError(api, timedOut ? 'timeout' : 'network_error', true, {
    mayHaveBeenProcessed: timedOut,
    feishuMessage: message.slice(0, 200),
  });
}
