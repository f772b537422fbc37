// Browser script of the chat page (inline, no external assets). Plain ES5-style JS in a raw string:
// no backticks or template placeholders inside.
export const CHAT_CLIENT_JS = String.raw`
(function () {
  var root = document.getElementById('sim-chat');
  var openId = root.getAttribute('data-open-id');
  var appName = root.getAttribute('data-app-name');
  var list = document.getElementById('sim-messages');
  var statusEl = document.getElementById('sim-status');
  var toastEl = document.getElementById('sim-toast');
  var lastSig = '';
  var first = true;
  var polling = false;
  var toastTimer = null;

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function lines(s) { return esc(s).replace(/\n/g, '<br>'); }
  function md(s) {
    var out = lines(s);
    out = out.replace(/\*\*([^*]+?)\*\*/g, '<strong>$1</strong>');
    out = out.replace(/(^|[^*])\*([^*\s][^*]*?)\*/g, '$1<em>$2</em>');
    out = out.replace(/~~([^~]+?)~~/g, '<del>$1</del>');
    out = out.replace(/\x60([^\x60]+?)\x60/g, '<code>$1</code>');
    out = out.replace(/\[([^\]]+?)\]\(((?:https?:\/\/|\/)[^)\s]+)\)/g, '<a href="$2">$1</a>');
    out = out.replace(/&lt;font color=(?:&#39;|&quot;)?([a-z-]+)(?:&#39;|&quot;)?&gt;(.*?)&lt;\/font&gt;/g, '<span class="fc-$1">$2</span>');
    return out;
  }
  function textOf(t) {
    if (!t) return '';
    if (typeof t === 'string') return t;
    return t.content || t.text || '';
  }
  function richText(t) {
    if (!t) return '';
    return t.tag === 'lark_md' ? md(t.content || '') : lines(textOf(t));
  }
  function renderButton(el) {
    var text = textOf(el.text);
    var cls = 'btn btn-' + esc(el.type || 'default');
    var url = null;
    var value;
    (el.behaviors || []).forEach(function (b) {
      if (b.type === 'open_url') url = b.default_url || b.pc_url || url;
      if (b.type === 'callback') value = b.value;
    });
    if (!url && el.url) url = el.url;
    if (!url && el.multi_url) url = el.multi_url.url || el.multi_url.pc_url;
    if (value === undefined && !url && el.value !== undefined) value = el.value;
    var data = value === undefined ? '' : ' data-value="' + esc(JSON.stringify(value)) + '"';
    if (el.disabled) return '<button class="' + cls + '" disabled>' + esc(text) + '</button>';
    if (url) return '<a class="' + cls + '" data-action="open_url" href="' + esc(url) + '"' + data + '>' + esc(text) + '</a>';
    if (!data) data = ' data-value="{}"';
    return '<button type="button" class="' + cls + '" data-action="callback"' + data + '>' + esc(text) + '</button>';
  }
  function renderElement(el) {
    if (!el || typeof el !== 'object') return '';
    switch (el.tag) {
      case 'markdown': return '<div class="el-md">' + md(el.content || '') + '</div>';
      case 'plain_text': return '<div class="el-text">' + lines(el.content || '') + '</div>';
      case 'lark_md': return '<div class="el-md">' + md(el.content || '') + '</div>';
      case 'div':
        return '<div class="el-text">' + richText(el.text) +
          (el.fields || []).map(function (f) { return '<div class="el-field">' + richText(f.text) + '</div>'; }).join('') + '</div>';
      case 'hr': return '<hr class="el-hr">';
      case 'button': return '<div class="el-actions">' + renderButton(el) + '</div>';
      case 'action':
        return '<div class="el-actions">' + (el.actions || []).map(function (a) {
          return a.tag === 'button' ? renderButton(a) : renderElement(a);
        }).join('') + '</div>';
      case 'column_set':
        return '<div class="el-columns">' + (el.columns || []).map(function (c) {
          return '<div class="el-column">' + (c.elements || []).map(renderElement).join('') + '</div>';
        }).join('') + '</div>';
      case 'note':
        return '<div class="el-note">' + (el.elements || []).map(function (e) { return richText(e); }).join(' ') + '</div>';
      case 'img': return '<div class="el-img">[image]</div>';
      default: return '<div class="el-unknown">[' + esc(el.tag) + ' is not rendered by the simulator]</div>';
    }
  }
  function renderCard(card) {
    if (card && card.type === 'template') {
      return '<div class="sim-card"><div class="card-body el-unknown">Template card ' +
        esc((card.data || {}).template_id || '') + ' (templates are not rendered by the simulator)</div></div>';
    }
    var header = card.header || {};
    var tpl = header.template || 'default';
    var title = textOf(header.title);
    var subtitle = textOf(header.subtitle);
    var elements = (card.body && card.body.elements) || card.elements || [];
    var head = title || subtitle ? '<div class="card-header tpl-' + esc(tpl) + '"><div class="card-title">' + esc(title) +
      '</div>' + (subtitle ? '<div class="card-subtitle">' + esc(subtitle) + '</div>' : '') + '</div>' : '';
    return '<div class="sim-card" data-template="' + esc(tpl) + '">' + head + '<div class="card-body">' +
      elements.map(renderElement).join('') + '</div></div>';
  }
  function renderPost(content) {
    var post = content.zh_cn || content.en_us || content.post || content;
    post = post.zh_cn || post.en_us || post;
    var paragraphs = (post.content || []).map(function (p) {
      return '<p>' + (p || []).map(function (n) {
        if (n.tag === 'a') return '<a href="' + esc(n.href) + '">' + esc(n.text) + '</a>';
        return lines(n.text || '');
      }).join('') + '</p>';
    }).join('');
    return '<div class="bubble bot">' + (post.title ? '<strong>' + esc(post.title) + '</strong>' : '') + paragraphs + '</div>';
  }
  function renderItem(item) {
    var time = new Date(item.createdAt).toLocaleTimeString();
    if (item.kind === 'user') {
      var note = item.delivery === 'failed' ? ' · not delivered (is the bot connected?)' :
        item.delivery === 'unacked' ? ' · the bot did not ack within 3 s' : '';
      return '<div class="row me" data-user-message-id="' + esc(item.messageId) + '"><div class="stack">' +
        '<div class="bubble me">' + lines(item.text) + '</div><div class="meta">' + time + note + '</div></div></div>';
    }
    var body;
    if (item.recalled || item.deleted) body = '<div class="bubble bot gone">This message was ' + (item.recalled ? 'recalled' : 'deleted') + '</div>';
    else if (item.msgType === 'interactive') body = renderCard(item.content);
    else if (item.msgType === 'text') body = '<div class="bubble bot">' + lines(item.content.text) + '</div>';
    else body = renderPost(item.content);
    var updated = item.updateCount ? ' · updated' + (item.updateCount > 1 ? ' ×' + item.updateCount : '') : '';
    return '<div class="row bot" data-message-id="' + esc(item.messageId) + '" data-msg-type="' + esc(item.msgType) +
      '" data-update-count="' + item.updateCount + '"><div class="avatar">' + esc(appName.slice(0, 1).toUpperCase()) +
      '</div><div class="stack"><div class="name">' + esc(appName) + '</div>' + body + '<div class="meta">' + time + updated +
      '</div></div></div>';
  }
  function render(feed) {
    statusEl.textContent = feed.connected ? 'bot online' : 'bot offline (no WebSocket client)';
    statusEl.className = feed.connected ? 'status on' : 'status off';
    var sig = JSON.stringify(feed.items);
    if (sig === lastSig) return;
    lastSig = sig;
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 60;
    list.innerHTML = feed.items.length ? feed.items.map(renderItem).join('') :
      '<div class="empty">No messages yet. Send "login" to the bot.</div>';
    if (atBottom || first) list.scrollTop = list.scrollHeight;
    first = false;
  }
  function poll() {
    if (polling) return;
    polling = true;
    fetch('/_sim/chat/feed?openId=' + encodeURIComponent(openId), { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(render)
      .catch(function () { statusEl.textContent = 'simulator unreachable'; statusEl.className = 'status off'; })
      .then(function () { polling = false; });
  }
  function toast(type, text) {
    toastEl.textContent = text;
    toastEl.className = 'toast toast-' + type;
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toastEl.hidden = true; }, 3000);
  }
  function postJson(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  list.addEventListener('click', function (e) {
    var target = e.target.closest('[data-action]');
    if (!target) return;
    var row = target.closest('[data-message-id]');
    var value = target.getAttribute('data-value');
    if (target.getAttribute('data-action') === 'open_url') {
      if (value) postJson('/_sim/card-actions', { messageId: row.getAttribute('data-message-id'), openId: openId, value: JSON.parse(value) });
      return;
    }
    target.disabled = true;
    postJson('/_sim/card-actions', { messageId: row.getAttribute('data-message-id'), openId: openId, value: JSON.parse(value) })
      .then(function (res) {
        var t = res.body && res.body.toast;
        if (!res.ok) toast('error', res.body.error || 'card action failed');
        else if (t) toast(t.type || 'info', t.content || (t.i18n && (t.i18n.en_us || t.i18n.zh_cn)) || '');
      })
      .catch(function (err) { toast('error', String(err)); })
      .then(function () { target.disabled = false; poll(); });
  });
  document.getElementById('sim-send-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('sim-input');
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    setTimeout(poll, 150);
    postJson('/_sim/user-messages', { openId: openId, text: text })
      .then(function (res) { if (!res.ok) toast('error', res.body.error || 'message not delivered'); })
      .catch(function (err) { toast('error', String(err)); })
      .then(poll);
  });
  document.getElementById('sim-user-switch').addEventListener('change', function (e) {
    location.href = '/_sim/chat?openId=' + encodeURIComponent(e.target.value);
  });
  poll();
  setInterval(poll, 1000);
})();
`;
