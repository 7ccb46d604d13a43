// Offline mode (progressive enhancement; every page works online without it):
// registers the service worker (static/sw.js), shows a banner while offline, saves and
// removes modules on /learn/offline, keeps quiz submissions made offline in this phone's
// localStorage and sends them when the connection returns, and clears everything at
// sign-out. Texts come from data-* attributes in the page, in the page's language.
(function () {
  "use strict";
  var OUTBOX = "outbox";
  var strings = document.getElementById("offline-strings");
  function t(name) { return strings ? strings.getAttribute("data-" + name) || "" : ""; }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    // After the page has loaded: installing the worker fetches the static files, which
    // would otherwise compete with the lesson for a slow connection on a first visit.
    var register = function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* online only */ });
    };
    if (document.readyState === "complete") register();
    else window.addEventListener("load", register);
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "send-queue") sendQueue();
    });
  }

  // -- the banner -----------------------------------------------------------------------
  function banner() {
    var bar = document.getElementById("offline-banner");
    if (navigator.onLine) { if (bar) bar.hidden = true; return; }
    if (!bar) {
      bar = document.createElement("p");
      bar.id = "offline-banner";
      bar.className = "offline-banner";
      bar.setAttribute("role", "status");
      bar.textContent = t("offline") || "You are offline.";
      document.body.insertBefore(bar, document.body.firstChild);
    }
    bar.hidden = false;
  }
  window.addEventListener("online", function () { banner(); sendQueue().then(dropSentTaps); });
  window.addEventListener("offline", banner);
  banner();

  // -- the queue of submissions -----------------------------------------------------------
  function readQueue() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(items) {
    try { localStorage.setItem(OUTBOX, JSON.stringify(items)); } catch (e) { /* full */ }
    showQueue();
  }

  function enqueue(entry) {
    var items = readQueue().filter(function (item) { return item.id !== entry.id; });
    entry.state = "waiting";
    items.push(entry);
    writeQueue(items);
    if (navigator.serviceWorker && navigator.serviceWorker.ready) {
      navigator.serviceWorker.ready.then(function (reg) {
        if (reg.sync) return reg.sync.register("send-queue");
      }).catch(function () { /* no Background Sync: the online event sends it */ });
    }
  }

  function freshCsrf() {
    return fetch("/learn/offline/token", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { return body && body.csrf; })
      .catch(function () { return null; });
  }

  function post(entry, csrf) {
    var data = new URLSearchParams();
    entry.fields.forEach(function (pair) {
      data.append(pair[0], pair[0] === "csrf_token" && csrf ? csrf : pair[1]);
    });
    return fetch(entry.url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "offline-queue" }
    }).then(function (r) {
      return r.json().then(function (body) { return body; }, function () { return { status: "error" }; });
    });
  }

  function sendOne(entry) {
    return post(entry, null).then(function (body) {
      if (body.status !== "expired") return body;
      return freshCsrf().then(function (csrf) { return csrf ? post(entry, csrf) : body; });
    }).then(function (body) {
      entry.state = body.status === "sent" ? "sent" : body.status;
      entry.result = body.result || null;
      return entry;
    }, function () { return entry; });  // still no network: keep it waiting
  }

  var sending = false;
  function sendQueue() {
    if (sending || !navigator.onLine) return Promise.resolve(readQueue());
    var items = readQueue();
    var waiting = items.filter(function (item) { return item.state !== "sent"; });
    if (!waiting.length) return Promise.resolve(items);
    sending = true;
    return Promise.all(waiting.map(sendOne)).then(function (done) {
      sending = false;
      // Taps made while these were on their way are in the queue now: keep them, and
      // record what became of the ones sent (unless a newer tap replaced them).
      var again = false;
      var now = readQueue().map(function (item) {
        var sent = done.filter(function (d) { return d.id === item.id && d.at === item.at; })[0];
        if (sent) return sent;
        if (item.state === "waiting") again = true;
        return item;
      });
      writeQueue(now);
      return again ? sendQueue() : now;
    });
  }
  window.offlineQueue = { send: sendQueue, read: readQueue, enqueue: enqueue };

  function showQueue() {
    var box = document.getElementById("offline-queue");
    if (!box) return;
    var items = readQueue();
    var list = box.querySelector("ul");
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "queue-" + item.state;
      li.textContent = item.title + ": " + (t("state-" + item.state) || t("state-error"));
      if (item.state === "sent" && item.result) {
        var a = document.createElement("a");
        a.href = item.result;
        a.textContent = t("result");
        li.appendChild(document.createTextNode(" "));
        li.appendChild(a);
      }
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  // The quiz form: online it submits as always; offline the submission is kept.
  var quiz = document.querySelector("form[data-quiz][data-offline-url]");
  if (quiz) {
    quiz.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      var submitter = event.submitter;
      if (submitter && submitter.name === "action") return;  // "save for later" needs the server
      event.preventDefault();
      var fields = [];
      new FormData(quiz).forEach(function (value, name) { fields.push([name, String(value)]); });
      var token = quiz.querySelector("input[name=token]").value;
      enqueue({
        id: "quiz:" + token, url: quiz.getAttribute("data-offline-url"),
        title: quiz.getAttribute("data-title"), fields: fields, at: Date.now()
      });
      var note = document.getElementById("offline-queue");
      if (note) note.scrollIntoView();
    });
  }
  // -- attendance: each tap is sent in the background; without signal it waits here -----
  // A mark is a state (present or not), so the newest tap of a person replaces any older
  // one in the queue, and sending it again changes nothing. Only numbers are kept: the
  // session's, the participant's on the roster and the account's, never a name.
  var tapList = document.querySelector("ol.tap-list[data-queue-url]");
  var digits = t("digits") || "0123456789";
  function localDigits(n) {
    return String(n).replace(/[0-9]/g, function (d) { return digits.charAt(Number(d)); });
  }
  function markTitle(number, present) {
    return t("mark-title").replace("{session}", tapList.getAttribute("data-session"))
      .replace("{number}", localDigits(number))
      .replace("{state}", present ? t("present") : t("not-marked"));
  }
  function showTap(form, present, state) {
    var button = form.querySelector("button.tap");
    button.classList.toggle("is-present", present);
    button.classList.toggle("queue-waiting", state === "waiting");
    form.querySelector("input[name=present]").value = present ? "0" : "1";
    var label = present ? t("present") : t("not-marked");
    if (state && state !== "sent") label += " · " + (t("state-" + state) || t("state-error"));
    button.querySelector(".tap-state").textContent = label;
    var tally = document.querySelector("p.tally[data-tally]");
    if (tally) {
      var count = tapList.querySelectorAll("button.tap.is-present").length;
      tally.textContent = tally.getAttribute("data-tally").replace("{present}", localDigits(count));
    }
  }
  function tapForm(number) {
    return tapList.querySelector("form input[name=participant][value='" + number + "']");
  }
  // Show the taps this phone still holds for this list, after a reload.
  function showWaitingTaps() {
    var url = tapList.getAttribute("data-queue-url");
    readQueue().forEach(function (item) {
      if (item.url !== url) return;
      var input = tapForm(item.number);
      if (input) showTap(input.form, item.present, item.state);
    });
  }
  // Sent marks leave the queue once the list shows them as the server has them.
  function dropSentTaps() {
    if (tapList) showWaitingTaps();
    var items = readQueue();
    var kept = items.filter(function (item) { return !(item.kind === "attendance" && item.state === "sent"); });
    if (kept.length !== items.length) writeQueue(kept);
  }
  if (tapList) {
    tapList.addEventListener("submit", function (event) {
      var form = event.target;
      var number = form.querySelector("input[name=participant]").value;
      var present = form.querySelector("input[name=present]").value === "1";
      event.preventDefault();
      var url = tapList.getAttribute("data-queue-url");
      var fields = [];
      new FormData(form).forEach(function (value, name) { fields.push([name, String(value)]); });
      fields.push(["account", tapList.getAttribute("data-account")]);
      enqueue({
        id: "attendance:" + url + ":" + number, kind: "attendance", url: url,
        number: number, present: present, title: markTitle(number, present),
        fields: fields, at: Date.now()
      });
      showTap(form, present, "waiting");
      sendQueue().then(dropSentTaps);
    });
    showWaitingTaps();
  }

  var sendNow = document.getElementById("send-now");
  if (sendNow) sendNow.addEventListener("click", function () { sendQueue().then(dropSentTaps); });
  showQueue();
  if (navigator.onLine) sendQueue().then(dropSentTaps);

  // -- saving modules (on /learn/offline and the offline page) -----------------------------
  function cacheName(key, version) { return "module-" + key + "-" + version; }

  function savedKeys() {
    return window.caches ? caches.keys() : Promise.resolve([]);
  }

  function cacheSize(name) {
    return caches.open(name).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (req) {
          return cache.match(req).then(function (res) { return res.clone().blob(); })
            .then(function (blob) { return blob.size; });
        }));
      });
    }).then(function (sizes) { return sizes.reduce(function (a, b) { return a + b; }, 0); });
  }

  function fetchInto(cache, urls) {
    return Promise.all(urls.map(function (url) {
      // A recording the player already fetched in pieces sits in the browser's cache as
      // a partial response, which the Cache API refuses: fetch it whole again.
      var whole = url.indexOf("/audio/") === 0 ? "reload" : "default";
      return fetch(url, { credentials: "same-origin", cache: whole }).then(function (res) {
        if (!res.ok || res.redirected || res.status === 206) throw new Error("not saved");
        return cache.put(url, res);
      });
    }));
  }

  // What every saved module needs (glossary, offline page, static files) is kept once,
  // in its own cache, and fetched only when that cache lacks it.
  function saveCommon(list) {
    var name = cacheName("common", list["static"]);
    return caches.open(name).then(function (cache) {
      return Promise.all(list.common.map(function (url) {
        return cache.match(url).then(function (hit) { return hit ? null : url; });
      })).then(function (missing) {
        return fetchInto(cache, missing.filter(Boolean));
      });
    }).then(function () { return dropOld("common", name); });
  }

  function saveModule(list, module) {
    var name = cacheName(module.key, module.version);
    return saveCommon(list).then(function () { return caches.open(name); })
      .then(function (cache) { return fetchInto(cache, module.urls); })
      .then(function () { return dropOld(module.key, name); }, function (err) {
        return caches.delete(name).then(function () { throw err; });
      });
  }

  function dropOld(key, keep) {
    return savedKeys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("module-" + key + "-") === 0 && k !== keep;
      }).map(function (k) { return caches.delete(k); }));
    });
  }

  var page = document.getElementById("offline-modules");
  if (page && window.caches && "serviceWorker" in navigator) {
    page.classList.add("js");
    fetch(page.getAttribute("data-list"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (list) { setUpModules(page, list); });
  }

  function setUpModules(page, list) {
    var rows = page.querySelectorAll("[data-module]");
    savedKeys().then(function (keys) {
      rows.forEach(function (row) {
        var key = row.getAttribute("data-module");
        var module = list.modules.filter(function (m) { return m.key === key; })[0];
        if (!module) return;
        var current = cacheName(key, module.version);
        var stale = keys.filter(function (k) { return k.indexOf("module-" + key + "-") === 0 && k !== current; });
        var state = row.querySelector(".saved-state");
        var save = row.querySelector("button.save");
        var remove = row.querySelector("button.remove");
        save.hidden = false;
        function mark(isSaved) {
          if (!isSaved) { state.textContent = t("not-saved"); remove.hidden = true; return; }
          remove.hidden = false;
          cacheSize(current).then(function (bytes) {
            state.textContent = t("saved").replace("{size}", Math.max(1, Math.round(bytes / 1024)) + " KB");
          });
        }
        function doSave() {
          state.textContent = t("saving");
          return saveModule(list, module).then(function () { mark(true); },
            function () { state.textContent = t("failed"); });
        }
        save.addEventListener("click", doSave);
        remove.addEventListener("click", function () {
          caches.delete(current).then(function () { mark(false); });
        });
        if (keys.indexOf(current) >= 0) mark(true);
        else if (stale.length && navigator.onLine) doSave();  // a changed lesson replaces the old
        else mark(false);
      });
    });
  }

  // The offline page: list what this phone has saved.
  var savedList = document.getElementById("saved-pages");
  if (savedList && window.caches) {
    savedKeys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("module-") === 0; })
        .map(function (k) { return caches.open(k).then(function (c) { return c.keys(); }); }));
    }).then(function (groups) {
      var seen = {};
      groups.forEach(function (requests) {
        requests.forEach(function (req) {
          var path = new URL(req.url).pathname;
          if (seen[path] || path.indexOf("/static/") === 0 || path.indexOf("/audio/") === 0 || path === "/offline") return;
          seen[path] = true;
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = path;
          a.textContent = path;
          li.appendChild(a);
          savedList.appendChild(li);
        });
      });
      savedList.hidden = !Object.keys(seen).length;
    });
  }

  // -- signing out: send what can be sent, warn, then clear this phone ----------------------
  function clearAll() {
    try { localStorage.clear(); } catch (e) { /* nothing kept */ }
    var jobs = [];
    if (window.caches) {
      jobs.push(caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (k) { return caches.delete(k); }));
      }));
    }
    return Promise.all(jobs);
  }
  var signOut = document.querySelector("form[data-sign-out]");
  if (signOut) {
    signOut.addEventListener("submit", function (event) {
      if (signOut.getAttribute("data-cleared")) return;
      event.preventDefault();
      sendQueue().then(function (items) {
        var unsent = items.filter(function (item) { return item.state !== "sent"; });
        if (unsent.length && !window.confirm(t("unsent").replace("{n}", unsent.length))) return null;
        return clearAll().then(function () {
          signOut.setAttribute("data-cleared", "1");
          signOut.submit();
        });
      });
    });
  }
})();
