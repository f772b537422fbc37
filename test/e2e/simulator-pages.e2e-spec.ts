import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as lark from '@larksuiteoapi/node-sdk';
import type { Browser } from 'playwright-core';

import { SimControlClient, type Simulator, type SimUser, startSimulator } from '../simulator';
import { authorizeUrl, quietLogger, waitFor } from '../simulator/test-kit';
import { launchChromium } from '../support/browser';

// The consent page and the chat page: over plain HTTP, then driven by Chromium like a person would.

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'sim-app-secret';
const REDIRECT = 'http://127.0.0.1:8000/callback';

describe('simulator: consent and chat pages', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let user: SimUser;
  let other: SimUser;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
    other = sim.createUser('Li Si');
    user = sim.createUser('Zhang San');
  });
  afterAll(() => sim.close());

  const consent = (query: Record<string, string>) =>
    fetch(`${sim.url}/_sim/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(query).toString(),
      redirect: 'manual',
    });

  it('renders the consent page with app, scopes, users and stable buttons; the chat cookie preselects the user', async () => {
    const chat = await fetch(`${sim.url}/_sim/chat?openId=${other.openId}`);
    const cookie = (chat.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toBe(`sim_user=${other.openId}`);
    const url = authorizeUrl(sim.url, {
      redirectUri: REDIRECT,
      scope: 'offline_access contact:user.base:readonly',
      state: 's',
    });
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('lark-card-auth');
    expect(html).toContain('contact:user.base:readonly');
    expect(html).toMatch(/<button[^>]*id="authorize"[^>]*>Authorize<\/button>/);
    expect(html).toMatch(/<button[^>]*id="deny"[^>]*>Deny<\/button>/);
    expect(html).toContain(`<option value="${other.openId}" selected>`);
    expect(html).not.toMatch(/<(script|link)[^>]+src=|href="http/);
  });

  it('refuses bad authorize requests with a readable 400 page', async () => {
    const cases = [
      authorizeUrl(sim.url, { redirectUri: REDIRECT, clientId: 'cli_ffffffffffffffff' }),
      authorizeUrl(sim.url, { redirectUri: 'http://evil.example/cb' }),
      authorizeUrl(sim.url, { redirectUri: REDIRECT }).replace('response_type=code', 'response_type=token'),
    ];
    for (const url of cases) {
      const res = await fetch(url);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('cannot be used');
    }
    sim.addRedirectUri('http://evil.example/cb');
    expect((await fetch(cases[1] ?? '')).status).toBe(200);
  });

  it('redirects after the decision with the state echoed verbatim (or omitted)', async () => {
    const state = 'a b&c=d/é+%';
    const query = new URL(
      authorizeUrl(sim.url, { redirectUri: REDIRECT, scope: 'offline_access', state }),
    ).search.slice(1);
    const approved = await consent({ authorize_query: query, open_id: user.openId, decision: 'approve' });
    expect(approved.status).toBe(302);
    const location = new URL(approved.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{64}$/);

    const denied = await consent({ authorize_query: query, open_id: user.openId, decision: 'deny' });
    const deniedUrl = new URL(denied.headers.get('location') ?? '');
    expect(deniedUrl.searchParams.get('error')).toBe('access_denied');
    expect(deniedUrl.searchParams.get('state')).toBe(state);
    expect(deniedUrl.searchParams.has('code')).toBe(false);

    const noState = new URL(authorizeUrl(sim.url, { redirectUri: REDIRECT })).search.slice(1);
    const bare = await consent({ authorize_query: noState, open_id: user.openId, decision: 'approve' });
    expect(new URL(bare.headers.get('location') ?? '').searchParams.has('state')).toBe(false);
  });

  it('authorize-as explains what is wrong', async () => {
    const url = authorizeUrl(sim.url, { redirectUri: REDIRECT });
    const q = (openId: string, u: string) =>
      `/_sim/authorize-as?${new URLSearchParams({ openId, decision: 'approve', url: u })}`;
    expect((await control.call('GET', q('ou_nobody', url))).status).toBe(404);
    expect((await control.call('GET', q(user.openId, `${sim.url}/somewhere`))).status).toBe(400);
    expect((await control.call('GET', q(user.openId, url.replace('127.0.0.1%3A8000', 'bad')))).status).toBe(400);
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let callbackServer: Server;
    let callbackUrl: string;
    const callbacks: URL[] = [];
    let ws: lark.WSClient;
    const received: string[] = [];

    beforeAll(async () => {
      callbackServer = createServer((req, res) => {
        callbacks.push(new URL(req.url ?? '/', 'http://x'));
        res.end('callback received');
      });
      await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
      callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
      sim.addRedirectUri(callbackUrl);
      const dispatcher = new lark.EventDispatcher({ logger: quietLogger }).register<{
        'im.message.receive_v1': (e: { message: { content: string } }) => Promise<void>;
        'card.action.trigger': () => Promise<object>;
      }>({
        'im.message.receive_v1': (e) => {
          received.push((JSON.parse(e.message.content) as { text: string }).text);
          return Promise.resolve();
        },
        'card.action.trigger': () =>
          Promise.resolve({
            toast: { type: 'success', content: 'Declined, thanks' },
            card: {
              type: 'raw',
              data: {
                schema: '2.0',
                config: { update_multi: true },
                header: { title: { tag: 'plain_text', content: 'Declined' }, template: 'grey' },
                body: { elements: [{ tag: 'markdown', content: 'You **declined**.' }] },
              },
            },
          }),
      });
      ws = new lark.WSClient({
        appId: APP_ID,
        appSecret: APP_SECRET,
        domain: sim.url,
        logger: quietLogger,
        loggerLevel: lark.LoggerLevel.error,
      });
      await ws.start({ eventDispatcher: dispatcher });
      await control.waitForWsConnections(1);
      browser = await launchChromium();
    }, 30_000);

    afterAll(async () => {
      await browser?.close();
      ws?.close({ force: true });
      await new Promise((resolve) => callbackServer.close(resolve));
    });

    it('a person reads the card, clicks Decline, then Authorize on a second card, and DMs the bot', async () => {
      const client = new lark.Client({
        appId: APP_ID,
        appSecret: APP_SECRET,
        domain: sim.url,
        logger: quietLogger,
        cache: new lark.DefaultCache(),
      });
      const authorize = authorizeUrl(sim.url, {
        redirectUri: callbackUrl,
        scope: 'offline_access',
        state: 'browser-state',
      });
      const card = (title: string) =>
        JSON.stringify({
          schema: '2.0',
          config: { update_multi: true },
          header: {
            title: { tag: 'plain_text', content: title },
            subtitle: { tag: 'plain_text', content: 'Needed to act for you' },
            template: 'blue',
          },
          body: {
            elements: [
              { tag: 'markdown', content: 'Click **Authorize** to grant access.\nThe link expires in 10 minutes.' },
              { tag: 'hr' },
              {
                tag: 'button',
                text: { tag: 'plain_text', content: 'Authorize' },
                type: 'primary_filled',
                behaviors: [{ type: 'open_url', default_url: authorize }],
              },
              {
                tag: 'button',
                text: { tag: 'plain_text', content: 'Decline' },
                behaviors: [{ type: 'callback', value: { action: 'decline' } }],
              },
            ],
          },
        });
      const send = (title: string) =>
        client.im.v1.message.create({
          params: { receive_id_type: 'open_id' },
          data: { receive_id: user.openId, msg_type: 'interactive', content: card(title) },
        });
      const first = (await send('Authorize lark-card-auth')).data?.message_id ?? '';

      const page = await browser.newPage();
      await page.goto(`${sim.url}/_sim/chat?openId=${user.openId}`);
      const firstCard = page.locator(`[data-message-id="${first}"]`);
      await firstCard.locator('.card-title', { hasText: 'Authorize lark-card-auth' }).waitFor();
      expect(await firstCard.locator('.el-md strong').first().textContent()).toBe('Authorize');
      expect(await firstCard.locator('.card-header').getAttribute('class')).toContain('tpl-blue');

      await firstCard.getByRole('button', { name: 'Decline' }).click();
      await page.locator('#sim-toast', { hasText: 'Declined, thanks' }).waitFor();
      await firstCard.locator('.card-title', { hasText: 'Declined' }).waitFor();
      expect((await control.messages(user.openId))[0]?.updates).toHaveLength(1);

      const second = (await send('Authorize again')).data?.message_id ?? '';
      const secondCard = page.locator(`[data-message-id="${second}"]`);
      await secondCard.waitFor();
      await secondCard.getByRole('link', { name: 'Authorize' }).click();
      await page.locator('#authorize').waitFor();
      expect(await page.locator('#sim-user').inputValue()).toBe(user.openId);
      await page.locator('#authorize').click();
      await waitFor(() => callbacks.length > 0, 10_000, 'the OAuth callback');
      expect(callbacks[0]?.searchParams.get('state')).toBe('browser-state');
      expect(callbacks[0]?.searchParams.get('code')).toBeTruthy();

      await page.goto(`${sim.url}/_sim/chat?openId=${user.openId}`);
      await page.locator('#sim-input').fill('login');
      await page.locator('#sim-send').click();
      await waitFor(() => received.includes('login'), 10_000, 'the DM');
      await page.locator('[data-user-message-id]', { hasText: 'login' }).waitFor();
      await page.close();
    }, 30_000);
  });
});
