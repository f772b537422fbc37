import { feishuErrorFrom } from './lark.errors';

describe('feishuErrorFrom', () => {
  it('accepts HTTP 2xx with code 0, numeric or string', () => {
    expect(feishuErrorFrom('oauth_token', 200, { code: 0, access_token: 'x' })).toBeUndefined();
    expect(feishuErrorFrom('oauth_token', 200, { code: '0' })).toBeUndefined();
  });

  it('treats a Feishu error inside an HTTP 200 body as a failure', () => {
    const error = feishuErrorFrom('message_create', 200, { code: 230002, msg: 'bot not in chat' });
    expect(error?.retryable).toBe(false);
    expect(error?.feishuCode).toBe(230002);
    expect(error?.kind).toBe('api_error');
  });

  it.each([
    [500, 20050],
    [503, 20072],
    [502, undefined],
  ])('HTTP %s with code %s is transient', (status, code) => {
    const error = feishuErrorFrom('oauth_token', status, code === undefined ? undefined : { code });
    expect(error?.retryable).toBe(true);
    expect(error?.retryable).toBe(true);
  });

  it('reads the rate-limit reset header', () => {
    const error = feishuErrorFrom('message_patch', 429, { code: 99991400, msg: 'limit' }, '7');
    expect(error?.retryable).toBe(true);
    expect(error?.kind).toBe('rate_limited');
    expect(error?.retryAfterSeconds).toBe(7);
  });

  it.each([20026, 20037, 20064, 20066, 20073])('code %s is final and means the grant is lost', (code) => {
    const error = feishuErrorFrom('oauth_token', 400, { code, error: 'invalid_grant' });
    expect(error?.retryable).toBe(false);
    expect(error?.retryable).toBe(false);
    expect(error?.grantLost).toBe(true);
  });

  it.each([20002, 20074, 20003])('code %s is final but not a lost grant (configuration, or a spent code)', (code) => {
    const error = feishuErrorFrom('oauth_token', 400, { code });
    expect(error?.retryable).toBe(false);
    expect(error?.grantLost).toBe(false);
  });

  it('a body that is not JSON on a 2xx is still a failure', () => {
    expect(feishuErrorFrom('user_info', 200, undefined)?.kind).toBe('http_error');
  });

  it('its message names the API, status and code but nothing else', () => {
    const error = feishuErrorFrom('oauth_token', 400, { code: 20064, error_description: 'refresh token revoked' });
    expect(error?.message).toBe(
      'Feishu oauth_token request failed (api_error, HTTP 400, code 20064): refresh token revoked',
    );
  });
});
