import { WEB_FONT_FAMILY, WEB_FONT_IMPORT } from './asset-routes';
import { CHAT_CLIENT_JS } from './chat-client';
import { escapeHtml } from './http-util';
import type { Identity, SimState } from './state';

// Feishu-like look: header colours follow the card header `template` names (docs/feishu-api.md).
const TEMPLATE_COLOURS: Record<string, [string, string]> = {
  blue: ['#3370ff', '#fff'],
  wathet: ['#59b7ff', '#fff'],
  turquoise: ['#04b49c', '#fff'],
  green: ['#2ea121', '#fff'],
  yellow: ['#ffc60a', '#1f2329'],
  orange: ['#ff8800', '#fff'],
  red: ['#f54a45', '#fff'],
  carmine: ['#d83931', '#fff'],
  violet: ['#b444e0', '#fff'],
  purple: ['#7f3bf5', '#fff'],
  indigo: ['#4954e6', '#fff'],
  grey: ['#8f959e', '#fff'],
  default: ['#fff', '#1f2329'],
};

const TEMPLATE_CSS = Object.entries(TEMPLATE_COLOURS)
  .map(([name, [bg, fg]]) => `.tpl-${name}{background:${bg};color:${fg}}.fc-${name}{color:${bg}}`)
  .join('');

const STYLE = `${WEB_FONT_IMPORT}
*{box-sizing:border-box}html,body{height:100%}
body{margin:0;font:14px/1.55 ${WEB_FONT_FAMILY},-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;background:#f2f3f5;color:#1f2329}
#sim-chat{display:flex;flex-direction:column;height:100%;max-width:760px;margin:0 auto;background:#fff;box-shadow:0 0 24px rgba(31,35,41,.06)}
.top{display:flex;align-items:center;gap:12px;padding:12px 20px;border-bottom:1px solid #dee0e3}
.top h1{font-size:16px;margin:0;flex:1}.top small{display:block;color:#8f959e;font-weight:400;font-size:12px}
.top select{border:1px solid #dee0e3;border-radius:6px;padding:4px 8px;font-size:13px}
.status{font-size:12px;padding:2px 8px;border-radius:10px}.status.on{background:#e8f8e6;color:#2ea121}.status.off{background:#fde2e2;color:#d83931}
#sim-messages{flex:1;overflow-y:auto;padding:20px;background:#f5f6f7}
.empty{color:#8f959e;text-align:center;margin-top:40px}
.row{display:flex;gap:10px;margin-bottom:18px}.row.me{justify-content:flex-end}
.avatar{width:36px;height:36px;border-radius:50%;background:linear-gradient(135deg,#3370ff,#00d6b9);color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600;flex:none}
.stack{max-width:82%;min-width:0}.name{font-size:12px;color:#8f959e;margin-bottom:4px}
.meta{font-size:11px;color:#8f959e;margin-top:4px}.row.me .meta{text-align:right}
.bubble{padding:9px 12px;border-radius:8px;word-wrap:break-word;overflow-wrap:anywhere}.bubble p{margin:4px 0}
.bubble.bot{background:#fff;border:1px solid #dee0e3}.bubble.me{background:#cce0ff}
.sim-card{width:420px;max-width:100%;background:#fff;border:1px solid #dee0e3;border-radius:10px;overflow:hidden}
.card-header{padding:12px 16px;border-bottom:1px solid rgba(31,35,41,.08)}.card-title{font-weight:600;font-size:15px}
.card-subtitle{font-size:12px;opacity:.85;margin-top:2px}
.card-body{padding:12px 16px;display:flex;flex-direction:column;gap:10px}
.el-md,.el-text{overflow-wrap:anywhere}.el-md code{background:#f2f3f5;padding:0 4px;border-radius:4px}
.el-field{margin-top:4px}.el-hr{border:0;border-top:1px solid #dee0e3;margin:2px 0;width:100%}
.el-note{font-size:12px;color:#8f959e}.el-img{color:#8f959e;font-size:12px}
.el-unknown{color:#8f959e;font-size:12px;border:1px dashed #dee0e3;padding:4px 8px;border-radius:6px}
.el-columns{display:flex;gap:12px}.el-column{flex:1;min-width:0}
.el-actions{display:flex;gap:8px;flex-wrap:wrap}
.btn{display:inline-block;padding:5px 14px;border-radius:6px;border:1px solid #d0d3d6;background:#fff;color:#1f2329;
font-size:14px;cursor:pointer;text-decoration:none;line-height:1.5}
.btn:hover{background:#f2f3f5}.btn:disabled{opacity:.5;cursor:not-allowed}
.btn-primary,.btn-primary_filled{background:#3370ff;border-color:#3370ff;color:#fff}.btn-primary:hover,.btn-primary_filled:hover{background:#245bdb}
.btn-danger,.btn-danger_filled{background:#f54a45;border-color:#f54a45;color:#fff}
.btn-text,.btn-primary_text,.btn-danger_text{border-color:transparent;background:none;color:#3370ff}
.btn-laser{background:linear-gradient(90deg,#3370ff,#b444e0);color:#fff;border:0}
form.send{display:flex;gap:8px;padding:12px 20px;border-top:1px solid #dee0e3}
#sim-input{flex:1;padding:9px 12px;border:1px solid #dee0e3;border-radius:6px;font-size:14px}
#sim-send{padding:9px 18px;border:0;border-radius:6px;background:#3370ff;color:#fff;font-size:14px;cursor:pointer}
.toast{position:fixed;top:20px;left:50%;transform:translateX(-50%);padding:10px 18px;border-radius:8px;background:#1f2329;color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.15);z-index:10}
.toast-success{background:#2ea121}.toast-error{background:#f54a45}.toast-warning{background:#ff8800}
.users{max-width:520px;margin:48px auto;background:#fff;border-radius:12px;padding:24px}.users a{display:block;padding:8px 0}
${TEMPLATE_CSS}`;

// Kept out of STYLE so page-wide style changes (fonts) and the bot selector do not touch the same lines.
const BOTS_STYLE = `#sim-bots{display:flex;gap:6px;padding:6px 20px;border-bottom:1px solid #dee0e3;background:#fafbfc;font-size:12px;flex-wrap:wrap}
#sim-bots a{padding:2px 10px;border-radius:10px;border:1px solid #dee0e3;color:#1f2329;text-decoration:none}
#sim-bots a[aria-current=page]{background:#3370ff;border-color:#3370ff;color:#fff}
.bubble.gone{color:#8f959e;font-style:italic}`;

export function renderChatPage(state: SimState, identity: Identity): string {
  const { app, person } = identity;
  const appName = app.name;
  const options = state.persons
    .flatMap((p) => {
      const other = state.identityIn(p, app.appId);
      if (!other) return [];
      const selected = p === person ? ' selected' : '';
      return [`<option value="${escapeHtml(other.openId)}"${selected}>${escapeHtml(p.name)}</option>`];
    })
    .join('');
  const bots = [...person.identities.values()]
    .map((other) => {
      const current = other === identity ? ' aria-current="page"' : '';
      return `<a class="sim-bot" data-app-id="${escapeHtml(other.app.appId)}" href="/_sim/chat?openId=${encodeURIComponent(
        other.openId,
      )}"${current}>${escapeHtml(other.app.name)} · ${escapeHtml(other.app.appId)}</a>`;
    })
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(person.name)} · ${escapeHtml(appName)} (Feishu simulator)</title><style>${STYLE}</style></head>
<body><div id="sim-chat" data-open-id="${escapeHtml(identity.openId)}" data-app-id="${escapeHtml(app.appId)}" data-app-name="${escapeHtml(appName)}">
<header class="top"><div class="avatar">${escapeHtml(appName.slice(0, 1).toUpperCase())}</div>
<h1>${escapeHtml(appName)}<small>Direct message · you are ${escapeHtml(person.name)} (${escapeHtml(identity.openId)})</small></h1>
<span id="sim-status" class="status">connecting…</span>
<select id="sim-user-switch" title="Switch user">${options}</select></header>
<style>${BOTS_STYLE}</style><nav id="sim-bots" aria-label="Bots">${bots}</nav>
<main id="sim-messages"></main>
<form id="sim-send-form" class="send"><input id="sim-input" autocomplete="off" placeholder="Message ${escapeHtml(appName)}, e.g. login">
<button id="sim-send" type="submit">Send</button></form>
<div id="sim-toast" class="toast" role="status" hidden></div>
</div><script>${CHAT_CLIENT_JS}</script></body></html>`;
}

export function renderChatIndex(state: SimState): string {
  const links = state.persons
    .flatMap((person) =>
      [...person.identities.values()].map(
        (identity) =>
          `<a href="/_sim/chat?openId=${encodeURIComponent(identity.openId)}">${escapeHtml(person.name)} · ${escapeHtml(
            identity.app.name,
          )} (${escapeHtml(identity.app.appId)}) · ${escapeHtml(identity.openId)}</a>`,
      ),
    )
    .join('');
  const body = links || '<p>No simulated users yet. Create one with <code>POST /_sim/users {"name":"…"}</code>.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Feishu simulator chats</title><style>${STYLE}</style></head>
<body><div class="users"><h1>Chats with the bot</h1>${body}</div></body></html>`;
}
