// The reception desk (模拟接待台): customer messages arrive through server-sent events on the server's clock;
// the candidate answers one chat at a time (IME-aware: Enter sends only when no pinyin is being composed).
// Everything lives on the server: a reload or a lost connection starts again from the server's snapshot, and a
// message whose reply was lost is sent again with the same id (the server keeps it once).
(function () {
  "use strict";
  var root = document.querySelector(".desk[data-desk]");
  if (!root) return;
  var D = root.dataset;
  var base = D.desk;
  var storeKey = "desk:" + base;
  function $(sel, el) { return (el || root).querySelector(sel); }
  function csrf() { return (document.querySelector('meta[name="csrf-token"]') || {}).content; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + pad(s % 60);
  }
  function uid() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  var listEl = $("[data-chats]"), emptyEl = $("[data-empty]"), titleEl = $("[data-chat-title]");
  var customerEl = $("[data-customer]"), messagesEl = $("[data-messages]"), input = $("[data-input]");
  var sendBtn = $("[data-send]"), statusEl = $("[data-status]");

  var offset = 0;          // server time minus this computer's time
  var startedAt = 0;       // the desk's zero on the server's clock (ms)
  var live = true;
  var chats = [];          // summaries from the server, in arrival order
  var messages = {};       // chat id -> array of messages by index
  var active = null;
  var drafts = {};
  var pasted = {};
  var composing = false;
  var outbox = [];
  var sending = false;
  var retry = 1000;
  var source = null;

  function serverNow() { return Date.now() + offset; }
  function deskSeconds() { return (serverNow() - startedAt) / 1000; }
  function status(text) { statusEl.textContent = text || ""; }

  function save() {
    try {
      window.sessionStorage.setItem(storeKey, JSON.stringify({ active: active, drafts: drafts, outbox: outbox }));
    } catch (e) { /* storage disabled: the server copy still counts */ }
  }
  function restore() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(storeKey) || "null");
      if (saved) { active = saved.active || null; drafts = saved.drafts || {}; outbox = saved.outbox || []; }
    } catch (e) { /* ignore */ }
  }

  // --- the server's view ------------------------------------------------------------------------------
  function apply(view, replace) {
    offset = Date.parse(view.server_now) - Date.now();
    startedAt = Date.parse(view.started_at);
    if (replace) messages = {};
    chats = view.chats || [];
    var fresh = [];
    (view.messages || []).forEach(function (m) {
      var list = messages[m.chat] || (messages[m.chat] = []);
      if (!list[m.i] && !replace && m.from === "customer") fresh.push(m);
      list[m.i] = m;
    });
    if (fresh.length) announce(fresh[fresh.length - 1].chat);
    if (!live || !view.live) setOver(!view.live);
    if (!active && chats.length) active = chats[0].id;
    renderList();
    renderChat();
  }

  var announcer = $("[data-announce]");
  function announce(chatId) {
    var c = null;
    (chats || []).forEach(function (x) { if (x.id === chatId) c = x; });
    if (!announcer || !c) return;
    announcer.textContent = D.msgNew.replace("%(name)s", c.name);
  }

  function chatOf(id) {
    for (var i = 0; i < chats.length; i++) if (chats[i].id === id) return chats[i];
    return null;
  }

  function renderList() {
    emptyEl.hidden = chats.length > 0;
    listEl.textContent = "";
    chats.forEach(function (c) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "desk-chat-button" + (c.id === active ? " active" : "") + (c.status === "closed" ? " closed" : "");
      b.dataset.chat = c.id;
      if (c.id === active) b.setAttribute("aria-current", "true");
      var name = document.createElement("span");
      name.className = "desk-name";
      name.textContent = c.name;
      b.appendChild(name);
      if (c.unanswered > 0) {
        var badge = document.createElement("span");
        badge.className = "badge bad desk-unread";
        badge.textContent = String(c.unanswered);
        badge.title = D.msgUnread.replace("%(n)s", c.unanswered);
        b.appendChild(badge);
      }
      var wait = document.createElement("span");
      wait.className = "desk-wait small";
      wait.dataset.since = c.waiting_since === null || c.waiting_since === undefined ? "" : String(c.waiting_since);
      b.appendChild(wait);
      var last = (messages[c.id] || []).filter(Boolean);
      var preview = document.createElement("span");
      preview.className = "desk-preview small muted";
      preview.textContent = last.length ? last[last.length - 1].text : "";
      b.appendChild(preview);
      b.addEventListener("click", function () { select(c.id); });
      li.appendChild(b);
      listEl.appendChild(li);
    });
    tickWaits();
  }

  function tickWaits() {
    var now = deskSeconds();
    Array.prototype.forEach.call(listEl.querySelectorAll(".desk-wait"), function (el) {
      var since = el.dataset.since;
      if (since === "" || !live) { el.textContent = ""; el.classList.remove("late"); return; }
      var waited = Math.max(0, now - parseFloat(since));
      el.textContent = D.msgWaiting.replace("%(t)s", clock(waited));
      el.classList.toggle("late", waited > 45);
    });
  }

  function renderChat() {
    var c = chatOf(active);
    messagesEl.textContent = "";
    if (!c) {
      customerEl.hidden = true;
      input.disabled = true;
      sendBtn.disabled = true;
      return;
    }
    titleEl.textContent = c.name;
    customerEl.textContent = "";
    (c.facts || []).forEach(function (f) {
      var p = document.createElement("p");
      p.textContent = f;
      customerEl.appendChild(p);
    });
    if (c.cart && c.cart.length) {
      var p = document.createElement("p");
      p.textContent = "🛒 " + c.cart.map(function (i) {
        return i.product + (i.variant ? " " + i.variant : "") + " ×" + i.qty;
      }).join("，");
      customerEl.appendChild(p);
    }
    customerEl.hidden = customerEl.childNodes.length === 0;
    (messages[c.id] || []).forEach(function (m) { if (m) messagesEl.appendChild(bubble(m, false)); });
    outbox.forEach(function (o) { if (o.customer === c.id) messagesEl.appendChild(bubble(o, true)); });
    if (c.status === "closed") {
      var note = document.createElement("li");
      note.className = "desk-note muted small";
      note.textContent = D.msgLeft;
      messagesEl.appendChild(note);
    }
    messagesEl.scrollTop = messagesEl.scrollHeight;
    var open = live && c.status !== "closed";
    input.disabled = !open;
    sendBtn.disabled = !open;
  }

  function bubble(m, pending) {
    var li = document.createElement("li");
    var mine = pending || m.from === "candidate";
    li.className = "bubble " + (mine ? "candidate" : "customer") + (pending ? " pending" : "") +
      (m.kind === "nudge" ? " nudge" : "") + (m.kind === "close" ? " close" : "");
    var who = document.createElement("span");
    who.className = "who";
    var c = chatOf(m.chat || m.customer);
    who.textContent = (mine ? D.msgYou : (c ? c.name : "")) + (pending ? " · …" : " · " + clock(m.at));
    var text = document.createElement("span");
    text.className = "text";
    text.setAttribute("translate", "no");
    text.textContent = m.text;
    li.appendChild(who);
    li.appendChild(text);
    return li;
  }

  function select(id) {
    if (active) drafts[active] = input.value;
    active = id;
    input.value = drafts[id] || "";
    save();
    renderList();
    renderChat();
    if (!input.disabled) input.focus();
  }

  function setOver(over) {
    if (!over) return;
    live = false;
    status(D.msgOver);
    input.disabled = true;
    sendBtn.disabled = true;
    if (source) source.close();
  }

  // --- the stream ---------------------------------------------------------------------------------------
  function connect() {
    source = new EventSource(base + "/stream");
    source.addEventListener("snapshot", function (e) { status(""); apply(JSON.parse(e.data), true); flushOutbox(); });
    source.addEventListener("update", function (e) { apply(JSON.parse(e.data), false); });
    source.addEventListener("over", function () { setOver(true); renderChat(); });
    source.addEventListener("closed", function () { source.close(); status(D.msgClosed); window.location.reload(); });
    source.addEventListener("error", function () {
      if (live && source.readyState !== EventSource.CLOSED) status(D.msgOffline);
      if (source.readyState === EventSource.CLOSED && live) window.setTimeout(connect, 3000);
    });
  }

  // --- sending ----------------------------------------------------------------------------------------------
  function known() {
    var out = {};
    Object.keys(messages).forEach(function (id) { out[id] = messages[id].length; });
    return out;
  }

  function send() {
    var text = input.value.trim();
    var c = chatOf(active);
    if (!text || !c || composing || !live || c.status === "closed") return;
    outbox.push({ cid: uid(), customer: c.id, text: text, pasted: pasted[c.id] || 0 });
    pasted[c.id] = 0;
    input.value = "";
    drafts[c.id] = "";
    save();
    renderChat();
    flushOutbox();
  }

  function flushOutbox() {
    if (sending || !outbox.length) return;
    var item = outbox[0];
    sending = true;
    fetch(base + "/messages", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), Accept: "application/json" },
      body: JSON.stringify({ customer: item.customer, text: item.text, cid: item.cid, pasted: item.pasted, known: known() }),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; });
    }).then(function (res) {
      sending = false;
      if (res.status === 200 && res.body.ok) {
        outbox.shift();
        retry = 1000;
        status("");
        save();
        apply(res.body, false);
        flushOutbox();
      } else if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 403) {
        outbox.shift();
        save();
        if (item.customer === active && !input.value) input.value = item.text;
        status(res.body.message || "");
        if (res.body.error === "over") setOver(true);
        if (res.body.error === "closed") window.location.reload();
        renderChat();
        flushOutbox();
      } else {
        status(D.msgOffline);
        window.setTimeout(flushOutbox, retry);
        retry = Math.min(retry * 2, 15000);
      }
    }).catch(function () {
      sending = false;
      status(D.msgOffline);
      window.setTimeout(flushOutbox, retry);
      retry = Math.min(retry * 2, 15000);
    });
  }

  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey) return;
    if (composing || e.isComposing || e.keyCode === 229) return; // Enter confirms the IME's candidate
    e.preventDefault();
    send();
  });
  input.addEventListener("input", function () { if (active) drafts[active] = input.value; });
  input.addEventListener("paste", function (e) {
    var text = e.clipboardData ? e.clipboardData.getData("text") : "";
    if (active) pasted[active] = (pasted[active] || 0) + text.replace(/\s+/g, "").length;
    status(D.msgPasted);
  });
  sendBtn.addEventListener("click", send);
  window.addEventListener("online", flushOutbox);

  restore();
  if (active && drafts[active]) input.value = drafts[active];
  connect();
  window.setInterval(tickWaits, 1000);
  window.deskPage = { send: send, select: select, state: function () { return { chats: chats, messages: messages, outbox: outbox }; } };
})();
