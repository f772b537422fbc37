/** Every user-visible string of the cards, in Chinese; texts.en_us.ts must have the same shape (CardTexts). */
export const zhCn = {
  /** Times on zh_cn cards are shown in this zone, named by `at`. */
  timeZone: 'Asia/Shanghai',
  at: (time: string) => `${time}（北京时间）`,
  permissionsHeading: '**授权后，应用将可以：**',
  grantedHeading: '**已授予的权限：**',
  account: (name: string) => `授权账号：${name}`,
  pending: {
    title: (appName: string | undefined) =>
      appName ? `授权「${appName}」访问你的飞书账号` : '授权应用访问你的飞书账号',
    subtitle: '确认后，应用可以代表你完成以下操作',
    intro: '点击 **授权** 打开飞书授权页，确认后即完成授权。',
    expires: (time: string) => `此链接将于 **${time}** 失效，仅限本人使用，请勿转发此卡片。`,
    notYou: '如果这不是你发起的请求，点击 **拒绝** 即可。',
    replaces: (name: string) => `当前已授权账号：${name}。继续授权将替换现有授权。`,
    reauthReasons: {
      revoked: '之前的授权已在飞书中被撤销，需要你重新授权，机器人才能继续代表你操作。',
      expired: '之前的授权已到期（飞书要求定期重新授权），需要你重新授权，机器人才能继续代表你操作。',
      lost_response: '续期授权时与飞书的连接中断，为安全起见需要你重新授权。',
    },
    authorize: '授权',
    decline: '拒绝',
    device: {
      intro: '点击 **授权** 打开飞书授权页，核对页面上的验证码与下方一致后确认。',
      code: '**验证码**',
      expires: (minutes: number) => `验证码 **${minutes} 分钟**后失效，仅限本人使用，请勿转发此卡片。`,
    },
  },
  authorized: {
    title: '授权成功',
    subtitle: '应用现在可以代表你操作',
    revokeHint: '随时发送 **取消授权**（或 logout）即可撤销。',
  },
  keepsAccess: '机器人会持续保持访问权限，直到你撤销授权，无需再次授权。',
  renewalUntil: (time: string) => `授权会自动续期；当前续期凭证有效至 **${time}**，每次续期都会延长。`,
  accessEnds: (time: string) => `本次授权未包含持续访问，访问权限将于 **${time}** 结束，届时需要重新授权。`,
  declined: {
    title: '已拒绝授权',
    subtitle: '未授予任何权限',
    body: '你拒绝了本次授权请求，应用不会获得任何权限。如需授权，请发送 **授权**（或 login）。',
  },
  expired: {
    title: '授权链接已过期',
    subtitle: '此请求未在有效期内完成',
    body: '请重新发送 **授权**（或 login），获取新的授权卡片。',
  },
  failed: {
    title: '授权失败',
    subtitle: '未保存任何权限',
    reasons: {
      code_exchange_failed: '向飞书换取授权凭证失败，可能是网络或飞书服务暂时异常。',
      identity_mismatch: '授权页上登录的账号与收到此卡片的账号不一致，请使用收到卡片的账号完成授权。',
      card_send_failed: '授权卡片发送失败。',
      account_unavailable: '飞书表示此账号已离职或已被冻结。',
      invalid_state: '授权请求无效。',
      internal: '服务内部出现错误。',
    },
    unknownReason: (reason: string) => `原因：${reason}`,
    retry: '请稍后重新发送 **授权**（或 login）再试一次。',
  },
  superseded: {
    title: '此授权请求已被替代',
    subtitle: '已有更新的授权请求',
    body: '你发起了新的授权请求，此卡片已失效，请使用最新的授权卡片。',
  },
  loggedOut: {
    title: '已取消授权',
    subtitle: '应用已无法再代表你操作',
    body: '已删除保存的授权凭证。如需重新授权，请发送 **授权**（或 login）。',
  },
  nothingToLogOut: {
    title: '没有需要取消的授权',
    subtitle: '应用没有保存你的授权',
    body: '你目前没有有效的授权，无需取消。如需授权，请发送 **授权**（或 login）。',
  },
  status: {
    title: '授权状态',
    notAuthorizedSubtitle: '尚未授权',
    notAuthorized: '你还没有授权应用访问你的账号，发送 **授权**（或 login）开始授权。',
    subtitles: {
      active: '已授权',
      reauth_required: '需要重新授权',
      invalidated: '已取消授权',
    },
    reauthRequired: '授权已失效（可能已被撤销或超过有效期），请发送 **授权**（或 login）重新授权。',
    invalidated: '授权已取消，发送 **授权**（或 login）可重新授权。',
  },
  help: {
    title: '使用帮助',
    subtitle: '在与机器人的单聊中发送以下指令',
    commands: [
      '**授权**（或 login）：获取授权卡片',
      '**状态**（或 status）：查看授权状态',
      '**取消授权**（或 logout）：撤销授权并删除保存的凭证',
    ].join('\n'),
  },
  scopeNotEnabled: {
    title: '暂时无法授权',
    subtitle: '应用尚未开通所需权限',
    body: (scopes: string) => `应用在开发者后台尚未开通以下权限，因此现在无法授权：\n${scopes}`,
    admin: (url: string) => `请联系应用管理员在开发者后台「权限管理」中开通后再发送 **授权**：[打开开发者后台](${url})`,
  },
  authorizationUnavailable: {
    title: '暂时无法授权',
    subtitle: '飞书未能发起授权',
    body: '未做任何更改，请过几分钟后再发送 **授权**。',
  },
  toasts: {
    declined: '已拒绝授权',
    noLongerPending: '此授权请求已失效',
    failed: '操作失败，请稍后重试',
  },
};

export type CardTexts = typeof zhCn;
