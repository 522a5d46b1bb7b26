// The candidate's exam page: the server's clock, autosave with a version counter, the typing test
// (IME-aware), the choice navigator and flags, and integrity signals. The server decides everything;
// the figures shown here (countdown, typing speed) are for display only.
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var D = root.dataset;
  var base = D.base;
  var pageId = D.page;
  var storePrefix = "exam:" + D.attempt + ":";
  var DEBOUNCE_MS = 700;
  var MAX_WAIT_MS = 3000;

  function csrf() {
    return window.examCsrfToken ? window.examCsrfToken() : (document.querySelector('meta[name="csrf-token"]') || {}).content;
  }
  function $(sel, el) { return (el || document).querySelector(sel); }
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmt(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? h + ":" + pad(m) + ":" + pad(r) : pad(m) + ":" + pad(r);
  }
  function countChars(text) { return (text || "").replace(/\s+/g, "").length; }

  // --- the clock ------------------------------------------------------------------------------
  var offset = Date.parse(D.serverNow) - Date.now(); // server time minus this computer's time
  function serverNow() { return Date.now() + offset; }
  var sectionDeadline = Date.parse(D.sectionDeadline);
  var timerEl = $("#timer");
  var announcer = $("#announcer");
  var lastLeft = null;
  var submitting = false;

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 60);
  }

  var clockLabel = $("#clock-label");
  function runningTyping() {
    for (var i = 0; i < items.length; i++) {
      var t = items[i].typing;
      if (t && t.startedAt && !t.over) return items[i];
    }
    return null;
  }

  function tickClock() {
    var left = sectionDeadline - serverNow();
    var typingItem = runningTyping();
    var shown = typingItem ? Math.min(left, typingItem.typing.endsAt - serverNow()) : left;
    var label = typingItem ? D.msgTypingClock : D.msgSectionClock;
    if (clockLabel && clockLabel.textContent !== label) clockLabel.textContent = label;
    timerEl.textContent = fmt(shown);
    timerEl.classList.toggle("warn", left <= 300000 && left > 60000);
    timerEl.classList.toggle("danger", left <= 60000);
    if (lastLeft !== null) {
      if (lastLeft > 300000 && left <= 300000 && left > 0) announce(D.msgFive);
      if (lastLeft > 60000 && left <= 60000 && left > 0) announce(D.msgOne);
    }
    lastLeft = left;
    if (left <= 0 && !submitting) {
      announce(D.msgZero);
      showNotice(D.msgZero);
      doSubmit(true);
    }
    items.forEach(function (item) { if (item.typing) tickTyping(item); });
  }

  function refreshState() {
    return fetch(base + "/state", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        offset = Date.parse(s.server_now) - Date.now();
        if (s.status !== "in_progress" || s.section !== D.section) {
          if (!submitting) { submitting = true; showNotice(D.msgZero); window.location.assign(base + "?timeup=1"); }
          return;
        }
        sectionDeadline = Date.parse(s.section_deadline);
      })
      .catch(function () { /* offline: the local clock keeps running */ });
  }

  // --- save status -------------------------------------------------------------------------------
  var statusEl = $("#save-status");
  var noticeEl = $("#notice");
  var offline = false;

  function showNotice(text) {
    noticeEl.textContent = text;
    noticeEl.hidden = false;
  }

  function updateStatus() {
    var busy = items.some(function (i) { return i.dirty || i.inflight; });
    var conflict = items.some(function (i) { return i.conflict; });
    var text, cls;
    if (conflict) { text = D.msgConflict; cls = "bad"; }
    else if (offline) { text = D.msgOffline; cls = "bad"; }
    else if (busy) { text = D.msgSaving; cls = "busy"; }
    else { text = D.msgSaved; cls = "ok"; }
    if (statusEl.textContent !== text) statusEl.textContent = text;
    statusEl.className = "save-status " + cls;
  }

  // --- items and autosave ------------------------------------------------------------------------
  // the reception desk (desk.js) sends its own messages: it is not an autosaved answer
  var items = $$("article.item").filter(function (el) { return el.dataset.type !== "chat_simulation"; }).map(function (el) {
    var item = {
      el: el, pos: el.dataset.position, type: el.dataset.type, version: parseInt(el.dataset.version, 10) || 0,
      dirty: false, inflight: false, conflict: false, closed: false, composing: false, restored: false,
      inputs: 0, timer: null, firstDirtyAt: 0, retry: 1000, retryTimer: null, unsentMs: 0,
      field: $("textarea", el), typing: null,
    };
    if (item.type === "typing") item.typing = setupTyping(item);
    return item;
  });
  var byPos = {};
  items.forEach(function (i) { byPos[i.pos] = i; });

  // Time spent per item (for the trainers' item statistics): the time since the last answer anywhere on
  // the page is credited to the item answered now (it was being read); time away from the page and
  // pauses over five minutes are not counted. Sent with the next save as seconds since the last one.
  var lastTouch = Date.now(), awayMs = 0;
  function touch(item) {
    var now = Date.now(), gap = now - lastTouch - awayMs;
    lastTouch = now;
    awayMs = 0;
    if (gap > 0 && gap < 300000) item.unsentMs += gap;
  }
  function takeSeconds(item) {
    var seconds = Math.min(3600, Math.round(item.unsentMs / 1000));
    item.unsentMs -= seconds * 1000;
    return seconds;
  }
  items.forEach(function (item) {
    item.el.addEventListener("input", function () { touch(item); }, true);
    item.el.addEventListener("change", function () { touch(item); }, true);
  });

  function dataOf(item) {
    var el = item.el;
    if (item.type === "single_choice") {
      var c = $("input[type=radio]:checked", el);
      return { choice: c ? c.value : "" };
    }
    if (item.type === "multiple_choice") {
      return { choices: $$("input[type=checkbox]:checked", el).map(function (x) { return x.value; }) };
    }
    if (item.type === "true_false") {
      var t = $("input[type=radio]:checked", el);
      return { answer: t ? t.value : "" };
    }
    return { text: item.field ? item.field.value : "" };
  }

  function applyData(item, data) {
    if (item.field && typeof data.text === "string") {
      item.field.value = data.text;
      var counter = $("[data-count]", item.el);
      if (counter) counter.textContent = String(data.text.length);
      return;
    }
    $$("input", item.el).forEach(function (input) {
      if (data.choice !== undefined) input.checked = input.value === data.choice;
      if (data.answer !== undefined) input.checked = input.value === String(data.answer);
      if (data.choices !== undefined) input.checked = data.choices.indexOf(input.value) >= 0;
    });
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function isAnswered(item) {
    var d = dataOf(item);
    if (d.choices) return d.choices.length > 0;
    if (d.choice !== undefined) return d.choice !== "";
    if (d.answer !== undefined) return d.answer !== "";
    return (d.text || "").trim().length > 0;
  }

  function backup(item) {
    try {
      window.localStorage.setItem(storePrefix + item.pos, JSON.stringify({ v: item.version, data: dataOf(item) }));
    } catch (e) { /* storage full or disabled: the server copy still counts */ }
  }
  function dropBackup(item) {
    try { window.localStorage.removeItem(storePrefix + item.pos); } catch (e) { /* ignore */ }
  }

  function changed(item, immediate) {
    if (item.closed || item.conflict) return;
    if (!item.dirty) item.firstDirtyAt = Date.now();
    item.dirty = true;
    backup(item);
    updateNav(item);
    updateStatus();
    window.clearTimeout(item.timer);
    var waited = Date.now() - item.firstDirtyAt;
    var delay = immediate ? 0 : Math.max(0, Math.min(DEBOUNCE_MS, MAX_WAIT_MS - waited));
    item.timer = window.setTimeout(function () { flush(item); }, delay);
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, body: j }; });
    });
  }

  function flush(item) {
    if (!item.dirty || item.inflight || item.closed || item.conflict) return Promise.resolve();
    if (item.composing) { item.timer = window.setTimeout(function () { flush(item); }, 300); return Promise.resolve(); }
    var data = dataOf(item);
    item.inflight = true;
    item.dirty = false;
    updateStatus();
    var seconds = takeSeconds(item);
    var body = { version: item.version, answer: data,
                 meta: { inputs: item.inputs, page: pageId, restored: item.restored, seconds: seconds } };
    return postJSON(base + "/items/" + item.pos, body).then(function (res) {
      item.inflight = false;
      var b = res.body || {};
      if (res.status !== 200) item.unsentMs += seconds * 1000;
      if (res.status === 200 && b.ok) {
        offline = false;
        item.retry = 1000;
        item.version = b.version;
        item.restored = false;
        if (b.typing && item.typing) applyTyping(item, b.typing);
        if (same(dataOf(item), data) && !item.dirty) dropBackup(item); else { item.dirty = true; backup(item); flush(item); }
      } else if (res.status === 409 && b.error === "stale") {
        if (b.response && same(pick(b.response, data), data)) {
          item.version = b.version; // our earlier save went through; its reply was lost
          if (!same(dataOf(item), data)) { item.dirty = true; flush(item); } else dropBackup(item);
        } else {
          item.conflict = true;
          showNotice(D.msgConflict);
          itemMessage(item, D.msgItemConflict, true);
        }
      } else if (res.status === 409) {
        item.closed = true;
        if (b.error === "typing_over" && item.typing) { lockTyping(item); }
        else { showNotice(b.message || D.msgClosed); itemMessage(item, b.message || D.msgItemClosed, false); refreshState(); }
      } else if (res.status === 422 || res.status === 404) {
        showNotice(b.message || "");
      } else if (res.status === 401 || res.status === 403) {
        showNotice(b.message || D.msgOffline);
        item.dirty = true;
        offline = true;
        retryLater(item);
      } else {
        item.dirty = true;
        offline = true;
        retryLater(item);
      }
      updateStatus();
    }).catch(function () {
      item.inflight = false;
      item.unsentMs += seconds * 1000;
      item.dirty = true;
      offline = true;
      updateStatus();
      retryLater(item);
    });
  }

  function itemMessage(item, text, reload) {
    var box = $(".item-alert", item.el);
    if (!box) {
      box = document.createElement("div");
      box.className = "alert alert-error item-alert";
      box.setAttribute("role", "alert");
      var head = $(".item-head", item.el);
      if (head && head.nextSibling) item.el.insertBefore(box, head.nextSibling); else item.el.appendChild(box);
    }
    box.textContent = text + " ";
    if (reload) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = D.msgReload;
      btn.addEventListener("click", function () { window.location.reload(); });
      box.appendChild(btn);
    }
    if (item.field) item.field.setAttribute("aria-invalid", "true");
  }

  function pick(response, data) {
    var out = {};
    Object.keys(data).forEach(function (k) {
      var v = response[k];
      if (k === "answer") v = v === null || v === undefined ? "" : String(v);
      if (k === "choice") v = v === null || v === undefined ? "" : v;
      out[k] = v;
    });
    return out;
  }

  function retryLater(item) {
    window.clearTimeout(item.retryTimer);
    item.retryTimer = window.setTimeout(function () { flush(item); }, item.retry);
    item.retry = Math.min(item.retry * 2, 15000);
  }

  function flushAll() {
    return Promise.all(items.map(function (i) { window.clearTimeout(i.timer); return flush(i); }));
  }

  function waitSaved(ms) {
    var until = Date.now() + ms;
    return new Promise(function (resolve) {
      (function check() {
        var busy = items.some(function (i) { return (i.dirty || i.inflight) && !i.closed && !i.conflict; });
        if (!busy || Date.now() > until) return resolve();
        flushAll();
        window.setTimeout(check, 150);
      })();
    });
  }

  function beaconSave(item) {
    if (!navigator.sendBeacon || !(item.dirty || item.inflight) || item.closed || item.conflict) return;
    var data = dataOf(item);
    var fd = new FormData();
    fd.append("csrf_token", csrf());
    fd.append("version", String(item.version));
    fd.append("inputs", String(item.inputs));
    fd.append("page", pageId);
    fd.append("seconds", String(takeSeconds(item)));
    if (item.restored) fd.append("restored", "1");
    Object.keys(data).forEach(function (k) {
      var v = data[k];
      if (Array.isArray(v)) v.forEach(function (x) { fd.append(k, x); }); else fd.append(k, v);
    });
    navigator.sendBeacon(base + "/items/" + item.pos, fd);
  }

  // restore what a closed tab had not saved yet (only if the server has not moved on since)
  items.forEach(function (item) {
    var raw = null;
    try { raw = window.localStorage.getItem(storePrefix + item.pos); } catch (e) { raw = null; }
    if (!raw) return;
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { dropBackup(item); return; }
    if (saved.v === item.version && !same(saved.data, dataOf(item))) {
      applyData(item, saved.data);
      item.restored = true;
      changed(item, true);
    } else {
      dropBackup(item);
    }
  });

  // --- choice questions, flags and the navigator ---------------------------------------------------
  function updateNav(item) {
    var link = $('[data-nav="' + item.pos + '"]');
    var answered = isAnswered(item);
    item.el.classList.toggle("answered", answered);
    if (!link) return;
    var flagged = item.el.querySelector("[data-flag]") && item.el.querySelector("[data-flag]").getAttribute("aria-pressed") === "true";
    link.classList.toggle("answered", answered);
    link.classList.toggle("flagged", !!flagged);
    var label = D.msgQuestion.replace("%(n)s", link.textContent.trim()) + ", " + (answered ? D.msgAnswered : D.msgUnanswered) +
      (flagged ? ", " + D.msgFlagged : "");
    link.setAttribute("aria-label", label);
    updateCounts();
  }

  function counts() {
    var unanswered = 0, flagged = 0;
    items.forEach(function (i) {
      if (!isAnswered(i)) unanswered += 1;
      var f = $("[data-flag]", i.el);
      if (f && f.getAttribute("aria-pressed") === "true") flagged += 1;
    });
    return { u: unanswered, f: flagged };
  }

  function updateCounts() {
    var el = $("#confirm-text");
    var c = counts();
    var text = el.dataset.template.replace("%(u)s", c.u).replace("%(f)s", c.f);
    el.textContent = text;
    var nav = $("#nav-counts");
    if (nav) nav.textContent = text;
  }

  items.forEach(function (item) {
    $$("input[type=radio], input[type=checkbox]", item.el).forEach(function (input) {
      input.addEventListener("change", function () { changed(item, true); });
    });
    var flagBtn = $("[data-flag]", item.el);
    if (flagBtn) {
      flagBtn.addEventListener("click", function () {
        var on = flagBtn.getAttribute("aria-pressed") !== "true";
        flagBtn.setAttribute("aria-pressed", on ? "true" : "false");
        updateNav(item);
        postJSON(base + "/items/" + item.pos + "/flag", { flagged: on }).then(function (res) {
          if (res.status !== 200) {
            flagBtn.setAttribute("aria-pressed", on ? "false" : "true");
            updateNav(item);
            if (res.body && res.body.message) showNotice(res.body.message);
          }
        }).catch(function () {
          flagBtn.setAttribute("aria-pressed", on ? "false" : "true");
          updateNav(item);
          offline = true;
          updateStatus();
        });
      });
    }
    if (item.field) {
      var field = item.field;
      field.addEventListener("compositionstart", function () { item.composing = true; });
      field.addEventListener("compositionend", function () {
        item.composing = false;
        afterInput(item);
      });
      field.addEventListener("input", function (e) {
        if (e.isTrusted) item.inputs += 1;
        if (!item.composing && !e.isComposing) afterInput(item);
      });
    }
    updateNav(item);
  });

  function updateCounter(item) {
    var counter = $("[data-count]", item.el);
    if (counter && item.field) counter.textContent = String(item.field.value.length);
  }

  function afterInput(item) {
    updateCounter(item);
    if (item.typing) updateTypingStats(item);
    changed(item, false);
  }

  $$("[data-nav]").forEach(function (link) {
    link.addEventListener("click", function (e) {
      var target = document.getElementById("item-" + link.dataset.nav);
      if (!target) return;
      e.preventDefault();
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  });

  // --- the typing test -----------------------------------------------------------------------------
  function setupTyping(item) {
    var box = $(".typing", item.el);
    var t = {
      box: box, startBtn: $("[data-typing-start]", box), speed: $("[data-speed]", box), typed: $("[data-typed]", box),
      left: $("[data-typing-left]", box), hint: $("[data-typing-hint]", box),
      startedAt: box.dataset.startedAt ? Date.parse(box.dataset.startedAt) : null,
      endsAt: box.dataset.endsAt ? Date.parse(box.dataset.endsAt) : null,
      limit: parseInt(box.dataset.timeLimit, 10) || 0, requested: false, over: false, committed: 0,
    };
    var field = $("textarea", item.el);
    t.committed = countChars(field.value);
    function begin() { ensureStarted(item); }
    if (t.startBtn) t.startBtn.addEventListener("click", function () { begin(); field.focus(); });
    field.addEventListener("keydown", function (e) {
      if (e.key === "Tab" || e.key === "Shift" || e.ctrlKey || e.metaKey || e.altKey) return;
      begin();
    });
    field.addEventListener("compositionstart", begin);
    field.addEventListener("beforeinput", begin);
    return t;
  }

  function ensureStarted(item) {
    var t = item.typing;
    if (t.startedAt || t.requested || item.closed) return;
    t.requested = true;
    if (t.hint) t.hint.hidden = true;
    item.inflight = true;
    postJSON(base + "/items/" + item.pos + "/start", {}).then(function (res) {
      item.inflight = false;
      var b = res.body || {};
      if (res.status === 200 && b.ok) {
        item.version = b.version;
        if (b.server_now) offset = Date.parse(b.server_now) - Date.now();
        applyTyping(item, b.typing);
        if (item.dirty) flush(item);
      } else if (res.status === 409) {
        item.closed = true;
        lockTyping(item);
      } else {
        t.requested = false;
      }
      updateStatus();
    }).catch(function () {
      item.inflight = false;
      t.requested = false;
      offline = true;
      updateStatus();
      retryLater(item);
    });
  }

  function applyTyping(item, info) {
    var t = item.typing;
    if (!info || !info.started_at) return;
    t.startedAt = Date.parse(info.started_at);
    t.endsAt = info.ends_at ? Date.parse(info.ends_at) : t.startedAt + t.limit * 1000;
    if (t.startBtn) t.startBtn.hidden = true;
    if (t.hint && !t.over) t.hint.hidden = true;
    tickTyping(item);
  }

  function updateTypingStats(item) {
    var t = item.typing;
    if (!item.composing) t.committed = countChars(item.field.value);
    t.typed.textContent = String(t.committed);
    if (t.startedAt) {
      var minutes = Math.max(0, Math.min(serverNow(), t.endsAt || Infinity) - t.startedAt) / 60000;
      t.speed.textContent = minutes >= 0.05 ? String(Math.round(t.committed / minutes)) : "0";
    }
  }

  function tickTyping(item) {
    var t = item.typing;
    if (!t.startedAt) { t.left.textContent = fmt(t.limit * 1000); t.typed.textContent = String(t.committed); return; }
    var left = t.endsAt - serverNow();
    t.left.textContent = fmt(left);
    updateTypingStats(item);
    if (left <= 0 && !t.over) lockTyping(item);
  }

  function lockTyping(item) {
    var t = item.typing;
    if (t.over) return;
    t.over = true;
    item.field.readOnly = true;
    item.field.classList.add("locked");
    if (t.startBtn) t.startBtn.hidden = true;
    t.hint.textContent = D.msgTypingOver;
    t.hint.hidden = false;
    announce(D.msgTypingOver);
    if (item.dirty && !item.closed) flush(item);
  }

  // --- blocked actions and integrity signals ------------------------------------------------------------
  var queue = [];
  var eventsTimer = null;

  function record(kind, detail) {
    queue.push({ kind: kind, detail: detail || {}, t: Date.now() });
    window.clearTimeout(eventsTimer);
    eventsTimer = window.setTimeout(sendEvents, 1500);
  }

  function batch() {
    var now = Date.now();
    var out = queue.map(function (e) { return { kind: e.kind, detail: e.detail, age_ms: now - e.t }; });
    queue = [];
    return out;
  }

  function sendEvents() {
    if (!queue.length) return;
    var events = batch();
    postJSON(base + "/events", { events: events }).then(function (res) {
      if (res.status >= 500) queue = events.concat(queue);
    }).catch(function () { queue = events.concat(queue); eventsTimer = window.setTimeout(sendEvents, 5000); });
  }

  function beaconEvents() {
    if (!queue.length || !navigator.sendBeacon) return;
    var fd = new FormData();
    fd.append("csrf_token", csrf());
    fd.append("events", JSON.stringify(batch()));
    navigator.sendBeacon(base + "/events", fd);
  }

  function fieldPos(target) {
    var art = target && target.closest ? target.closest("article.item") : null;
    return art ? art.dataset.position : null;
  }

  function pasteAllowed(target) {
    return !!(target && target.closest && target.closest("[data-allow-paste]"));
  }
  root.addEventListener("paste", function (e) {
    var text = e.clipboardData ? e.clipboardData.getData("text") : "";
    if (pasteAllowed(e.target)) { // the reception desk allows pasting and records it
      record("paste", { item: fieldPos(e.target), chars: countChars(text), allowed: true });
      return;
    }
    e.preventDefault();
    record("paste", { item: fieldPos(e.target), chars: countChars(text) });
    showNotice(D.msgBlocked);
  }, true);
  root.addEventListener("drop", function (e) {
    e.preventDefault();
    var text = e.dataTransfer ? e.dataTransfer.getData("text") : "";
    record("drop", { item: fieldPos(e.target), chars: countChars(text) });
    showNotice(D.msgBlocked);
  }, true);
  root.addEventListener("dragover", function (e) { e.preventDefault(); }, true);
  root.addEventListener("beforeinput", function (e) {
    if (e.inputType === "insertFromPaste" && pasteAllowed(e.target)) return;
    if (e.inputType === "insertFromPaste" || e.inputType === "insertFromDrop" || e.inputType === "insertFromPasteAsQuotation") {
      e.preventDefault();
    }
  }, true);
  ["copy", "cut"].forEach(function (kind) {
    document.addEventListener(kind, function (e) {
      e.preventDefault();
      var sel = window.getSelection ? String(window.getSelection()) : "";
      record(kind, { item: fieldPos(e.target), chars: countChars(sel) });
    }, true);
  });

  var awayStart = null, awayHidden = false;
  function goAway(hidden) {
    if (awayStart === null) { awayStart = Date.now(); awayHidden = hidden; }
    else if (hidden) awayHidden = true;
  }
  function comeBack() {
    if (awayStart === null) return;
    awayMs += Date.now() - awayStart;
    var seconds = Math.round((Date.now() - awayStart) / 100) / 10;
    record(awayHidden ? "tab_hidden" : "window_blur", { seconds: seconds });
    awayStart = null;
    refreshState();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") goAway(true); else comeBack();
  });
  window.addEventListener("blur", function () { goAway(false); });
  window.addEventListener("focus", comeBack);

  window.addEventListener("pagehide", function () {
    if (awayStart !== null) {
      queue.push({ kind: awayHidden ? "tab_hidden" : "window_blur",
                   detail: { seconds: Math.round((Date.now() - awayStart) / 100) / 10, returned: false }, t: Date.now() });
    }
    items.forEach(beaconSave);
    beaconEvents();
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) window.location.reload(); // back/forward cache: versions may be stale
  });

  // --- submitting ------------------------------------------------------------------------------------
  var form = $("#submit-form");
  var dialog = $("#confirm-dialog");

  function doSubmit(auto) {
    if (submitting) return;
    submitting = true;
    $("#auto-field").value = auto ? "1" : "0";
    $("#submit-button").disabled = true;
    items.forEach(function (i) { if (i.composing) i.composing = false; });
    waitSaved(auto ? 4000 : 8000).then(function () {
      sendEvents();
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (submitting) return;
    updateCounts();
    if (dialog && typeof dialog.showModal === "function") {
      dialog.showModal();
      $("#confirm-ok").focus();
    } else if (window.confirm($("#confirm-title").textContent + "\n" + $("#confirm-text").textContent)) {
      doSubmit(false);
    }
  });
  $("#confirm-cancel").addEventListener("click", function () { dialog.close(); });
  $("#confirm-ok").addEventListener("click", function () { dialog.close(); doSubmit(false); });

  // --- start -----------------------------------------------------------------------------------------
  items.forEach(updateCounter);
  window.addEventListener("pageshow", function () { items.forEach(updateCounter); });
  // on a phone, the question bar at the bottom makes way for the keyboard while a text box has the focus
  document.addEventListener("focusin", function (e) {
    if (e.target && e.target.tagName === "TEXTAREA") document.body.classList.add("field-focus");
  });
  document.addEventListener("focusout", function () { document.body.classList.remove("field-focus"); });
  updateCounts();
  updateStatus();
  tickClock();
  window.setInterval(tickClock, 500);
  window.setInterval(refreshState, 30000);
  window.addEventListener("online", function () { offline = false; flushAll(); refreshState(); });
  window.examPage = { flushAll: flushAll, items: items, record: record, serverNow: serverNow };
})();
