import { WEB_FONT_FAMILY, WEB_FONT_IMPORT } from './asset-routes';
import type { AuthorizeRequest } from './authorize';
import { escapeHtml } from './http-util';
import type { SimApp } from './state';

const SCOPE_TEXT: Record<string, string> = {
  offline_access: 'Stay connected when you are not using the app (offline access)',
  'auth:user.id:read': 'Read your user ID',
  user_profile: 'Read your basic profile (name, avatar)',
  'contact:user.base:readonly': 'Read your basic contact information',
  'contact:user.email:readonly': 'Read your email address',
};

const STYLE = `${WEB_FONT_IMPORT}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 ${WEB_FONT_FAMILY},-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
background:#f2f3f5;color:#1f2329;display:flex;justify-content:center;padding:48px 16px}
.panel{background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(31,35,41,.08);width:100%;max-width:440px;padding:32px}
.brand{display:flex;align-items:center;gap:10px;color:#3370ff;font-weight:600;margin-bottom:24px}
.logo{width:28px;height:28px;border-radius:8px;background:linear-gradient(135deg,#3370ff,#00d6b9)}
h1{font-size:20px;margin:0 0 4px}.muted{color:#646a73;margin:0 0 20px}
ul{padding:0;margin:0 0 20px;list-style:none;border:1px solid #dee0e3;border-radius:8px}
li{padding:10px 14px;border-top:1px solid #dee0e3}li:first-child{border-top:0}
code{font-size:12px;color:#8f959e;display:block}
label{display:block;font-weight:600;margin-bottom:6px}
select{width:100%;padding:8px 10px;border:1px solid #dee0e3;border-radius:6px;font-size:14px;margin-bottom:24px}
.actions{display:flex;gap:12px}button{flex:1;padding:10px;border-radius:6px;font-size:14px;cursor:pointer;border:1px solid #dee0e3;background:#fff}
button.primary{background:#3370ff;border-color:#3370ff;color:#fff}button:disabled{opacity:.5;cursor:not-allowed}
.error{border-left:4px solid #f54a45;padding-left:12px}
.note{font-size:12px;color:#8f959e;margin-top:20px}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main class="panel"><div class="brand"><span class="logo"></span>Feishu (simulator)</div>${body}</main></body></html>`;
}

/** One choice of the "Continue as" selector: a person, by their open_id in the app being authorized. */
export interface UserChoice {
  openId: string;
  name: string;
}

function userPicker(choices: UserChoice[], preselectedOpenId: string | undefined): string {
  const options = choices
    .map((u) => {
      const selected = u.openId === preselectedOpenId ? ' selected' : '';
      return `<option value="${escapeHtml(u.openId)}"${selected}>${escapeHtml(u.name)} (${escapeHtml(u.openId)})</option>`;
    })
    .join('');
  return choices.length > 0
    ? `<label for="sim-user">Continue as</label><select id="sim-user" name="open_id">${options}</select>`
    : `<p class="error">No simulated users exist. Create one with <code>POST /_sim/users {"name":"…"}</code>.</p>`;
}

function scopeList(scopes: string[]): string {
  const shown = scopes.length > 0 ? scopes : ['(no scope requested: basic identity only)'];
  return shown.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}<code>${escapeHtml(s)}</code></li>`).join('');
}

export function renderConsentPage(
  app: SimApp,
  request: AuthorizeRequest,
  authorizeQuery: string,
  choices: UserChoice[],
  preselectedOpenId: string | undefined,
): string {
  const disabled = choices.length > 0 ? '' : ' disabled';
  return layout(
    `Authorize ${app.name}`,
    `<h1>${escapeHtml(app.name)} wants to access your account</h1>
<p class="muted">App ID <span id="sim-app-id">${escapeHtml(app.appId)}</span> is asking for:</p>
<ul id="sim-scopes">${scopeList(request.scopes)}</ul>
<form method="post" action="/_sim/consent">
<input type="hidden" name="authorize_query" value="${escapeHtml(authorizeQuery)}">
${userPicker(choices, preselectedOpenId)}
<div class="actions">
<button type="submit" name="decision" value="deny" id="deny"${disabled}>Deny</button>
<button type="submit" name="decision" value="approve" id="authorize" class="primary"${disabled}>Authorize</button>
</div></form>
<p class="note">After you decide, your browser is sent to ${escapeHtml(request.redirectUri)}</p>`,
  );
}

/** The verification page of the device flow (`verification_uri_complete`): same look and selectors as consent. */
export function renderDevicePage(
  app: SimApp,
  userCode: string,
  scopes: string[],
  choices: UserChoice[],
  preselectedOpenId: string | undefined,
): string {
  const disabled = choices.length > 0 ? '' : ' disabled';
  return layout(
    `Authorize ${app.name} on a device`,
    `<style>.user-code{font:600 32px/1.2 ui-monospace,Menlo,Consolas,monospace;letter-spacing:4px;text-align:center;
padding:16px;margin:0 0 20px;border:1px dashed #3370ff;border-radius:8px;color:#3370ff}</style>
<h1>${escapeHtml(app.name)} wants to access your account from a device</h1>
<p class="muted">Check that this code matches the one shown on your device:</p>
<p id="sim-user-code" class="user-code">${escapeHtml(userCode)}</p>
<p class="muted">App ID <span id="sim-app-id">${escapeHtml(app.appId)}</span> is asking for:</p>
<ul id="sim-scopes">${scopeList(scopes)}</ul>
<form method="post" action="/_sim/device/decide">
<input type="hidden" name="user_code" value="${escapeHtml(userCode)}">
${userPicker(choices, preselectedOpenId)}
<div class="actions">
<button type="submit" name="decision" value="deny" id="deny"${disabled}>Deny</button>
<button type="submit" name="decision" value="approve" id="authorize" class="primary"${disabled}>Authorize</button>
</div></form>
<p class="note">After you decide, return to your device: it finishes signing in by itself.</p>`,
  );
}

export function renderDeviceDonePage(approved: boolean): string {
  return layout(
    approved ? 'Device authorized' : 'Device authorization denied',
    `<div id="sim-device-result" data-decision="${approved ? 'approve' : 'deny'}"><h1>${
      approved ? 'You are signed in on your device' : 'You denied the device'
    }</h1><p class="muted">You can close this page and return to your device.</p></div>`,
  );
}

export function renderErrorPage(code: number, message: string): string {
  return layout(
    'Authorization error',
    `<div class="error"><h1>This authorization link cannot be used</h1>
<p id="sim-error-code">Error code ${code}</p><p id="sim-error-message">${escapeHtml(message)}</p></div>`,
  );
}
