import fc from 'fast-check';

import { authorizeUrlOf } from '../support/flow';
import { Replica } from '../support/replica';
import { API_TOKEN, APP_ID, ReliabilityKit } from './reliability-kit';

jest.setTimeout(300_000);

// Counts (docs/reliability.md): 10,000 /callback query strings, 5,000 REST bodies, 2,000 card-action payloads.
const CALLBACK_RUNS = 10_000;
const REST_RUNS = 5_000;
const CARD_RUNS = 2_000;

const NASTY = [
  "' OR 1=1 --",
  "'); DROP TABLE user_tokens; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  '%00',
  '\u0000',
  '../../etc/passwd',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '😀'.repeat(50),
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...NASTY),
  fc.string({ minLength: 2_000, maxLength: 6_000 }),
);
const key = fc.oneof(fc.constantFrom('code', 'state', 'error', 'error_description', 'code[]', 'state[0]'), text);
const query = fc.array(fc.tuple(key, text), { maxLength: 8 });

/** A value reflected as is into an HTML page: markup the page did not escape. */
function reflected(body: string, values: string[]): string | undefined {
  return values.find((value) => /[<>"']/.test(value) && value.length >= 3 && body.includes(value));
}

describe('fuzzing (fast-check): /callback query strings, REST bodies, card-action payloads', () => {
  const kit = new ReliabilityKit();
  let replica: Replica;
  const serverErrors: string[] = [];
  beforeAll(async () => {
    await kit.start();
    replica = await kit.replica('fuzzed', { LOG_LEVEL: 'debug' });
  });
  afterAll(() => kit.stop());

  it(`${CALLBACK_RUNS} /callback query strings: no 5xx, no unescaped reflection`, async () => {
    await fc.assert(
      fc.asyncProperty(query, fc.boolean(), async (pairs, raw) => {
        const search = raw
          ? pairs.map(([k, v]) => `${k}=${v}`).join('&')
          : new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString();
        const response = await fetch(`${replica.baseUrl}/callback?${search}`, { redirect: 'manual' }).catch(
          (error: unknown) => ({ status: 0, text: () => Promise.resolve(String(error)) }),
        );
        const body = await response.text();
        if (response.status >= 500 || response.status === 0) {
          serverErrors.push(`callback ${response.status} ?${search}`);
        }
        expect(response.status).toBeGreaterThan(0);
        expect(response.status).toBeLessThan(500);
        expect(reflected(body, pairs.flat())).toBeUndefined();
      }),
      { numRuns: CALLBACK_RUNS },
    );
  });

  it(`${REST_RUNS} REST bodies: no 5xx`, async () => {
    const routes = fc.constantFrom(
      ['POST', '/api/v1/auth-sessions'],
      ['POST', '/api/v1/users/ou_fuzz/token/refresh'],
      ['GET', '/api/v1/auth-sessions?openId='],
      ['DELETE', '/api/v1/auth-sessions/'],
    );
    const body = fc.oneof(
      fc.json({ maxDepth: 3 }),
      text,
      fc
        .record({ openId: text, appId: fc.oneof(text, fc.constant(APP_ID)), scopes: fc.array(text, { maxLength: 3 }) })
        .map((record) => JSON.stringify(record)),
      fc.record({ openId: fc.array(text), locale: text }).map((record) => JSON.stringify(record)),
    );
    await fc.assert(
      fc.asyncProperty(routes, body, text, async ([method, path], payload, tail) => {
        const url = `${replica.baseUrl}${path}${path.endsWith('=') || path.endsWith('/') ? encodeURIComponent(tail) : ''}`;
        const response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : payload,
        });
        const answer = await response.text();
        if (response.status >= 500) serverErrors.push(`${method} ${path} ${response.status} ${answer.slice(0, 200)}`);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: REST_RUNS },
    );
  });

  it(`${CARD_RUNS} card-action payloads: every one answered, none a failure of the service`, async () => {
    const { user, card } = await kit.sendCard(replica, 'Fuzzed clicker');
    authorizeUrlOf(card);
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ action: fc.oneof(fc.constantFrom('decline', 'authorize', 'retry'), text), session: text }),
      fc.record({ action: fc.constant('decline'), session: fc.uuid() }),
    );
    await fc.assert(
      fc.asyncProperty(value, async (payload) => {
        const reply = await kit.control.cardAction(card.messageId, user.openId, payload);
        if (reply.status >= 500) serverErrors.push(`card action ${reply.status} ${JSON.stringify(reply.body)}`);
        expect(reply.status).toBeLessThan(500);
      }),
      { numRuns: CARD_RUNS },
    );
  });

  afterAll(() => {
    console.log(
      `fuzz: ${serverErrors.length} server errors${serverErrors.length ? `: ${serverErrors.slice(0, 5).join(' | ')}` : ''}`,
    );
    for (const line of replica.logs) for (const secret of kit.secrets()) expect(line).not.toContain(secret);
    expect(replica.logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });
});
