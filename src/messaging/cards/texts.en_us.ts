import { CardTexts } from './texts.zh_cn';

export const enUs: CardTexts = {
  timeZone: 'UTC',
  at: (time: string) => `${time} UTC`,
  permissionsHeading: '**Once you authorize, the app will be able to:**',
  grantedHeading: '**Granted permissions:**',
  account: (name: string) => `Account: ${name}`,
  pending: {
    title: (appName: string | undefined) => (appName ? `Authorize ${appName}` : 'Authorize access to your account'),
    subtitle: 'Lets the app act on your behalf',
    intro: 'Click **Authorize** to open the Feishu consent page and confirm there.',
    expires: (time: string) => `This link expires at **${time}**. It is for you only; do not forward this card.`,
    notYou: 'If you did not ask for this, click **Decline**.',
    replaces: (name: string) => `${name} is authorized already; authorizing again replaces that authorization.`,
    reauthReasons: {
      revoked: 'Your earlier authorization was revoked in Feishu. Authorize again so the bot can keep acting for you.',
      expired:
        'Your earlier authorization ran out (Feishu asks for a new one periodically). Authorize again so the bot can keep acting for you.',
      lost_response:
        'The connection to Feishu broke while your authorization was being renewed; to be safe, please authorize again.',
    },
    authorize: 'Authorize',
    decline: 'Decline',
    device: {
      intro:
        'Click **Authorize** to open the Feishu authorization page, check that it shows the code below, and confirm.',
      code: '**Code**',
      expires: (minutes: number) =>
        `The code expires in **${minutes} minute${minutes === 1 ? '' : 's'}**. It is for you only; do not forward this card.`,
    },
  },
  authorized: {
    title: 'Authorized',
    subtitle: 'The app can now act on your behalf',
    revokeHint: 'Send **logout** (or 取消授权) at any time to revoke it.',
  },
  keepsAccess: 'The bot keeps this access until you revoke it; you will not be asked again.',
  renewalUntil: (time: string) =>
    `It renews the access by itself; the current renewal credential lasts until **${time}** and is extended with every renewal.`,
  accessEnds: (time: string) =>
    `This authorization did not include lasting access: it ends at **${time}**, and you will be asked again then.`,
  declined: {
    title: 'Authorization declined',
    subtitle: 'No access was granted',
    body: 'You declined this request; the app got no access. To authorize later, send **login** (or 授权).',
  },
  expired: {
    title: 'Authorization link expired',
    subtitle: 'This request was not completed in time',
    body: 'Send **login** (or 授权) again to get a new authorization card.',
  },
  failed: {
    title: 'Authorization failed',
    subtitle: 'No access was stored',
    reasons: {
      code_exchange_failed: 'Feishu could not be reached to finish the authorization (network or service trouble).',
      identity_mismatch:
        'The account that signed in on the consent page is not the one this card was sent to. Authorize with the account that received the card.',
      card_send_failed: 'The authorization card could not be sent.',
      account_unavailable: 'Feishu says this account has left the organization or is frozen.',
      invalid_state: 'The authorization request was not valid.',
      internal: 'Something went wrong on our side.',
    },
    unknownReason: (reason: string) => `Reason: ${reason}`,
    retry: 'Send **login** (or 授权) in a moment to try again.',
  },
  superseded: {
    title: 'This request was replaced',
    subtitle: 'A newer authorization request exists',
    body: 'You started a newer authorization request, so this card no longer works. Use the latest card.',
  },
  loggedOut: {
    title: 'Authorization revoked',
    subtitle: 'The app can no longer act on your behalf',
    body: 'The stored credentials were deleted. To authorize again, send **login** (or 授权).',
  },
  nothingToLogOut: {
    title: 'Nothing to revoke',
    subtitle: 'The app holds no authorization of yours',
    body: 'You have no active authorization, so there was nothing to delete. To authorize, send **login** (or 授权).',
  },
  status: {
    title: 'Authorization status',
    notAuthorizedSubtitle: 'Not authorized',
    notAuthorized: 'You have not authorized the app yet. Send **login** (or 授权) to start.',
    subtitles: {
      active: 'Authorized',
      reauth_required: 'Authorization needed again',
      invalidated: 'Revoked',
    },
    reauthRequired:
      'The authorization is no longer valid (revoked or past its lifetime). Send **login** (or 授权) to authorize again.',
    invalidated: 'The authorization was revoked. Send **login** (or 授权) to authorize again.',
  },
  help: {
    title: 'Help',
    subtitle: 'Send one of these commands in this chat',
    commands: [
      '**login** (or 授权): get an authorization card',
      '**status** (or 状态): see what is authorized',
      '**logout** (or 取消授权): revoke the authorization and delete the stored credentials',
    ].join('\n'),
  },
  scopeNotEnabled: {
    title: 'Authorization not possible yet',
    subtitle: 'The app lacks a permission',
    body: (scopes: string) =>
      `These permissions are not enabled for the app in the developer console, so it cannot ask for them:\n${scopes}`,
    admin: (url: string) =>
      `Ask the app's administrator to enable them under Permissions & Scopes, then send **login** again: [open the developer console](${url})`,
  },
  authorizationUnavailable: {
    title: 'Authorization not possible right now',
    subtitle: 'Feishu did not start the authorization',
    body: 'Nothing was changed. Please send **login** again in a few minutes.',
  },
  toasts: {
    declined: 'Authorization declined',
    noLongerPending: 'This request is no longer active',
    failed: 'Something went wrong. Please try again.',
  },
};
