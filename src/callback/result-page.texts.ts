/** Every user-visible string of the /callback result pages; en-US must have the same shape (ResultPageTexts). */
export const zhCN = {
  product: '飞书授权',
  success: {
    heading: '授权成功',
    lead: (name: string | undefined) => (name ? `已为 ${name} 完成授权。` : '授权已完成。'),
    cardUpdated: '飞书中的授权卡片已更新。',
    cardPending: '飞书中的授权卡片稍后会自动更新。',
    hint: '你可以关闭此页面，返回飞书。',
  },
  denied: {
    heading: '已拒绝授权',
    lead: '你拒绝了本次授权请求，应用没有获得任何权限。',
    hint: '如需授权，请返回飞书，向机器人重新发送“授权”。',
  },
  invalid_state: {
    heading: '授权链接无效',
    lead: '无法识别此授权链接，它可能不完整或已被修改。',
    hint: '请返回飞书，点击授权卡片上的按钮，或向机器人重新发送“授权”。',
  },
  invalid_request: {
    heading: '授权链接无效',
    lead: '此授权链接的参数重复或互相矛盾，未做任何处理。',
    hint: '请返回飞书，点击授权卡片上的按钮，或向机器人重新发送“授权”。',
  },
  in_progress: {
    heading: '正在完成授权',
    lead: '这次授权正在处理中，页面会自动刷新。',
    hint: '请稍候，无需重复点击。',
  },
  provider_error: {
    heading: '飞书未能完成授权',
    lead: '飞书授权页返回了错误，本次授权未完成，授权卡片仍然有效。',
    hint: '请返回飞书，再次点击授权卡片上的“授权”按钮。',
  },
  unavailable: {
    heading: '服务暂时不可用',
    lead: '服务暂时无法处理授权，本次授权尚未使用。',
    hint: '请稍等一分钟，然后再次打开同一个链接（或再次点击卡片上的“授权”）。',
  },
  missing_code: {
    heading: '授权未完成',
    lead: '飞书没有返回授权结果，本次授权未完成。',
    hint: '请返回飞书，向机器人重新发送“授权”再试一次。',
  },
  expired: {
    heading: '授权链接已过期',
    lead: '此授权请求已超过有效期，无法继续。',
    hint: '请返回飞书，向机器人重新发送“授权”，获取新的授权卡片。',
  },
  already_used: {
    heading: '此授权链接已使用过',
    outcomes: {
      completed: '此授权请求之前已经成功完成，无需再次操作。',
      rejected: '此授权请求之前已被拒绝，没有授予任何权限。',
      failed: '此授权请求之前已失败，没有授予任何权限。',
      superseded: '此授权请求已被一个更新的请求替代。',
      expired: '此授权请求已过期。',
      invalidated: '此授权之前已成功完成，但已被取消。',
    },
    unknownOutcome: '此授权请求已经处理过。',
    doneHint: '你可以关闭此页面，返回飞书。',
    retryHint: '如需授权，请返回飞书，向机器人重新发送“授权”。',
  },
  code_exchange_failed: {
    heading: '授权失败',
    lead: '暂时无法从飞书获取授权，可能是网络或飞书服务暂时异常。没有保存任何权限。',
    hint: '请返回飞书，向机器人重新发送“授权”再试一次。',
  },
  identity_mismatch: {
    heading: '账号不一致',
    lead: '这张授权卡片是发给另一个飞书账号的，你当前登录的账号不能用它完成授权。没有保存任何权限。',
    hint: '请使用收到卡片的账号完成授权；如需为自己授权，请在你与机器人的单聊中发送“授权”。',
  },
  account_unavailable: {
    heading: '账号不可用',
    lead: '飞书表示此账号已离职或已被冻结，无法完成授权。没有保存任何权限。',
    hint: '如有疑问，请联系企业的飞书管理员。',
  },
  internal: {
    heading: '出了点问题',
    lead: '服务暂时无法完成本次授权。',
    hint: '请稍后返回飞书，向机器人重新发送“授权”再试一次。',
  },
};

export type ResultPageTexts = typeof zhCN;

export const enUS: ResultPageTexts = {
  product: 'Feishu authorization',
  success: {
    heading: 'Authorized',
    lead: (name: string | undefined) => (name ? `${name}, you are all set.` : 'The authorization is complete.'),
    cardUpdated: 'The authorization card in Feishu has been updated.',
    cardPending: 'The authorization card in Feishu will update shortly.',
    hint: 'You can close this page and go back to Feishu.',
  },
  denied: {
    heading: 'Authorization declined',
    lead: 'You declined the request; the app got no access.',
    hint: 'To authorize later, go back to Feishu and send "login" to the bot.',
  },
  invalid_state: {
    heading: 'Invalid authorization link',
    lead: 'This authorization link is not recognised; it may be incomplete or altered.',
    hint: 'Go back to Feishu and use the button on the authorization card, or send "login" to the bot again.',
  },
  invalid_request: {
    heading: 'Invalid authorization link',
    lead: 'This link repeats or contradicts its own parameters, so nothing was done with it.',
    hint: 'Go back to Feishu and use the button on the authorization card, or send "login" to the bot again.',
  },
  in_progress: {
    heading: 'Finishing the authorization',
    lead: 'This authorization is being completed right now; this page refreshes by itself.',
    hint: 'Please wait a moment; there is no need to click again.',
  },
  provider_error: {
    heading: 'Feishu could not finish the authorization',
    lead: 'The Feishu consent page reported an error, so nothing was completed. The authorization card still works.',
    hint: 'Go back to Feishu and click Authorize on the card again.',
  },
  unavailable: {
    heading: 'Temporarily unavailable',
    lead: 'The service cannot handle the authorization right now; this link has not been used.',
    hint: 'Wait a minute, then open the same link again (or click Authorize on the card again).',
  },
  missing_code: {
    heading: 'Authorization not completed',
    lead: 'Feishu did not return an authorization result, so nothing was completed.',
    hint: 'Go back to Feishu and send "login" to the bot to try again.',
  },
  expired: {
    heading: 'Authorization link expired',
    lead: 'This authorization request is past its time limit.',
    hint: 'Go back to Feishu and send "login" to the bot to get a new authorization card.',
  },
  already_used: {
    heading: 'This link was already used',
    outcomes: {
      completed: 'This request was already completed successfully; there is nothing more to do.',
      rejected: 'This request was declined earlier; no access was granted.',
      failed: 'This request failed earlier; no access was granted.',
      superseded: 'This request was replaced by a newer one.',
      expired: 'This request has expired.',
      invalidated: 'This request was completed earlier, but the authorization has since been revoked.',
    },
    unknownOutcome: 'This request was already handled.',
    doneHint: 'You can close this page and go back to Feishu.',
    retryHint: 'To authorize, go back to Feishu and send "login" to the bot.',
  },
  code_exchange_failed: {
    heading: 'Authorization failed',
    lead: 'Feishu could not be reached to finish the authorization (network or service trouble). Nothing was stored.',
    hint: 'Go back to Feishu and send "login" to the bot to try again.',
  },
  identity_mismatch: {
    heading: 'Different account',
    lead: 'This authorization card was sent to another Feishu account; the account you are signed in with cannot use it. Nothing was stored.',
    hint: 'Authorize with the account that received the card, or send "login" to the bot in your own chat with it.',
  },
  account_unavailable: {
    heading: 'Account not available',
    lead: 'Feishu says this account has left the organization or is frozen, so it cannot be authorized. Nothing was stored.',
    hint: "Contact your organization's Feishu administrator if this is unexpected.",
  },
  internal: {
    heading: 'Something went wrong',
    lead: 'The service could not complete this authorization.',
    hint: 'Go back to Feishu and send "login" to the bot again in a moment.',
  },
};
