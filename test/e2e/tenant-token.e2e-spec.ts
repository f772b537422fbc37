import { Harness, startHarness } from '../support/app-harness';
import { dmAndWaitForCard, headerTitle, metricValue, scrapeMetrics } from '../support/flow';

jest.setTimeout(60_000);

/** The tenant token the SDK caches, as Feishu treats it: revoked (99991663), refused inside an HTTP 200. */
describe('tenant token failures (real SDK against the simulator)', () => {
  let h: Harness;
  let appId: string;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    appId = h.config.apps[0]!.appId;
  }, 30_000);
  afterAll(async () => h?.close());

  const count = async (api: string, outcome: string) =>
    metricValue(await scrapeMetrics(h.baseUrl), 'lark_service_feishu_requests_total', { api, outcome, app_id: appId });

  it('a revoked cached tenant token (99991663) is dropped and fetched again within the same send', async () => {
    await dmAndWaitForCard(h.control, (await h.control.createUser('Warm Up')).openId, 'help');
    await h.control.revokeTenantTokens(appId);
    const refusedBefore = await count('message_create', 'api_error');
    const before = h.logs.length;
    const card = await dmAndWaitForCard(h.control, (await h.control.createUser('After Revoke')).openId, 'help');
    expect(headerTitle(card)).toBe('Help');
    expect((await count('message_create', 'api_error')) - refusedBefore).toBe(1);
    // No back-off round: the second try happened inside the first attempt of the messenger.
    expect(h.logs.slice(before).join('\n')).not.toContain('card send failed');
  });

  it('a tenant token refused inside an HTTP 200 counts as a Feishu error of tenant_token, not a network error', async () => {
    await h.control.revokeTenantTokens(appId);
    await h.control.fault('tenant_token', 'error_in_200', 1, appId);
    const networkBefore = await count('message_create', 'network_error');
    const tenantBefore = await count('tenant_token', 'api_error');
    const card = await dmAndWaitForCard(h.control, (await h.control.createUser('Token Refused')).openId, 'help');
    expect(headerTitle(card)).toBe('Help');
    expect((await count('tenant_token', 'api_error')) - tenantBefore).toBe(1);
    expect(await count('message_create', 'network_error')).toBe(networkBefore);
    expect(h.logs.join('\n')).toContain('card send failed (api_error 20050)');
  });
});
