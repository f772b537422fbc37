import { AUTH_FAILURE_REASONS } from '../../src/auth-session/auth-session.vocabulary';
import { LOCALES } from '../../src/common/locale';
import * as cards from '../../src/messaging/cards/auth-card.builder';
import { validateCard } from '../simulator/card-v2';

// Feishu rejects JSON 2.0 cards with properties or tags it does not support (230099 with 200621/200861); the
// simulator's validator models that. Every card the service can build, in both languages, must pass it.

const AUTHORIZE_URL = 'https://accounts.feishu.cn/open-apis/authen/v1/authorize?client_id=cli_0123456789abcdef';
const SCOPES = ['contact:user.base:readonly', 'calendar:calendar', 'offline_access'];
const AT = new Date('2025-01-02T07:04:00Z');

function everyCard(locale: (typeof LOCALES)[number]): Record<string, object> {
  const pending = {
    sessionId: '6f1c2b9e-3d4a-4b8e-9f00-1a2b3c4d5e6f',
    authorizeUrl: AUTHORIZE_URL,
    scopes: SCOPES,
    expiresAt: AT,
    locale,
  };
  const grant = { name: 'Ada', scopes: SCOPES, locale };
  return {
    pending: cards.pendingCard({ ...pending, appName: 'Demo' }),
    reauthorization: cards.pendingCard({ ...pending, replaces: 'Ada', reauthReason: 'expired' }),
    authorized: cards.authorizedCard({ ...grant, accessExpiresAt: AT, refreshExpiresAt: AT }),
    authorizedWithoutRenewal: cards.authorizedCard({ ...grant, accessExpiresAt: AT, refreshExpiresAt: null }),
    declined: cards.declinedCard({ locale }),
    expired: cards.expiredCard({ locale }),
    ...Object.fromEntries(
      AUTH_FAILURE_REASONS.map((reason) => [`failed:${reason}`, cards.failedCard({ reason, locale })]),
    ),
    superseded: cards.supersededCard({ locale }),
    loggedOut: cards.loggedOutCard({ locale }),
    statusNone: cards.notAuthorizedCard({ locale }),
    statusActive: cards.statusCard({ ...grant, accessExpiresAt: AT, refreshExpiresAt: AT }),
    statusReauth: cards.reauthRequiredStatusCard(grant),
    statusRevoked: cards.revokedStatusCard(grant),
    nothingToLogOut: cards.nothingToLogOutCard({ locale }),
    help: cards.helpCard({ locale }),
    authorizationUnavailable: cards.authorizationUnavailableCard({ locale }),
    scopeNotEnabled: cards.scopeNotEnabledCard({
      scopes: ['mail:user_mailbox:readonly'],
      consoleUrl: 'https://open.feishu.cn/app/cli_0123456789abcdef/auth',
      locale,
    }),
  };
}

describe.each(LOCALES)('every card of the service in %s', (locale) => {
  it.each(Object.entries(everyCard(locale)))('%s passes the JSON 2.0 validation', (_name, card) => {
    // Sent as message content, so checked after a JSON round trip, as Feishu sees it.
    expect(() => validateCard(JSON.parse(JSON.stringify(card)) as Record<string, unknown>)).not.toThrow();
  });

  it('the card of a callback answer (declined) passes too', () => {
    const answer = cards.cardResponse(cards.declinedCard({ locale }), cards.toast('info', 'x'));
    expect(() => validateCard(answer.card.data as unknown as Record<string, unknown>)).not.toThrow();
  });
});
