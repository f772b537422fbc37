import { Redactor } from './redact';

describe('Redactor', () => {
  const redactor = new Redactor();
  redactor.addSecret('super-secret-app-value');

  it('masks a registered secret wherever it appears in text', () => {
    const text = redactor.text('config.data={"app_id":"cli_1","app_secret":"super-secret-app-value"} failed');
    expect(text).not.toContain('super-secret-app-value');
    expect(text).toContain('[REDACTED]');
  });

  it('masks OAuth parameters in URLs and form bodies', () => {
    const text = redactor.text(
      'GET /callback?code=abcDEF123&state=s3cr3tstate and grant_type=refresh_token&refresh_token=ur-xyz&client_secret=zzz',
    );
    for (const leaked of ['abcDEF123', 's3cr3tstate', 'ur-xyz', 'zzz']) expect(text).not.toContain(leaked);
  });

  it('masks bearer credentials and Feishu-shaped tokens in free text', () => {
    const text = redactor.text(
      'Authorization: Bearer t-g1044abcdefghijklmnop and token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig and u-abcdefghijklmnopqrst',
    );
    expect(text).not.toMatch(/t-g1044|eyJhbGci|u-abcdefghij/);
  });

  it('keeps numeric Feishu error codes readable in log lines, and still masks authorization codes in URLs', () => {
    const line = redactor.text('request failed: POST /open-apis/im/v1/messages status=400 code=230020 msg=limit');
    expect(line).toContain('code=230020');
    expect(redactor.text('GET /callback?code=20050&state=x')).toContain('code=20050');
    expect(redactor.text('GET /callback?code=a1b2c3&state=x')).not.toContain('a1b2c3');
    expect(redactor.text('form code=Xy-12_ab&grant_type=authorization_code')).not.toContain('Xy-12_ab');
  });

  it('keeps numeric Feishu error codes but masks string authorization codes in JSON text', () => {
    expect(redactor.text('{"code":20064,"msg":"revoked"}')).toContain('"code":20064');
    expect(redactor.text('{"grant_type":"authorization_code","code":"Xy-12_ab"}')).not.toContain('Xy-12_ab');
  });

  it('masks secret-named string fields of objects, recursively, and keeps the rest', () => {
    const value = redactor.value({
      openId: 'ou_1',
      nested: { access_token: 'abc', refreshToken: 'def', code: 20050, headers: { Authorization: 'Bearer x' } },
    }) as Record<string, any>;
    expect(value.openId).toBe('ou_1');
    expect(value.nested.access_token).toBe('[REDACTED]');
    expect(value.nested.refreshToken).toBe('[REDACTED]');
    expect(value.nested.code).toBe(20050);
    expect(value.nested.headers.Authorization).toBe('[REDACTED]');
  });

  it('summarizes errors and buffers instead of dumping them', () => {
    expect(redactor.value(new Error('failed with code=abc'))).toBe('Error: failed with code=[REDACTED]');
    expect(redactor.value(Buffer.from('secret'))).toBe('[Buffer 6 bytes]');
  });
});
