// The service worker of offline mode. /sw.js prepends SETTINGS (version, allow-list,
// assets) from curriculum/services/offline.py, so that both sides share one allow-list.
// It keeps ONLY what the allow-list admits: static files, the offline page, and the
// pages of modules the trainee saved (static/offline.js puts them in "module-..."
// caches). Everything else, and every POST, goes to the network and is never kept.
/* global SETTINGS */
"use strict";
var STATIC = "static-" + SETTINGS.version;
var ALLOWED = SETTINGS.allowed.map(function (source) { return new RegExp(source); });

function allowed(url) {
  var u = new URL(url, self.location.href);
  if (u.origin !== self.location.origin) return false;
  var path = u.pathname;
  for (var i = 0; i < SETTINGS.never.length; i++) {
    var p = SETTINGS.never[i];
    if (path === p || path.indexOf(p + "/") === 0) return false;
  }
  return ALLOWED.some(function (re) { return re.test(path); });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC)
      .then(function (cache) { return cache.addAll(SETTINGS.assets.concat([SETTINGS.fallback])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  // A new version of the static files replaces the old cache.
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("static-") === 0 && key !== STATIC;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromCache(request) {
  return caches.match(request, { ignoreSearch: request.mode === "navigate" });
}

function offlinePage() {
  return caches.match(SETTINGS.fallback).then(function (page) {
    return page || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

// Refresh a saved page while online, so that it never goes stale (new tokens, new text).
function refresh(request, response) {
  if (!response.ok || response.redirected || !allowed(request.url)) return;
  var copy = response.clone();
  caches.keys().then(function (keys) {
    keys.filter(function (key) { return key.indexOf("module-") === 0; }).forEach(function (key) {
      caches.open(key).then(function (cache) {
        cache.match(request, { ignoreSearch: true }).then(function (old) {
          if (old) cache.put(new URL(request.url).pathname, copy.clone());
        });
      });
    });
  });
}

// Answer a Range request from a whole saved response.
function partial(response, range) {
  return response.blob().then(function (blob) {
    var size = blob.size;
    var m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    var start = 0, end = size - 1;
    if (m && m[1]) {
      start = Number(m[1]);
      if (m[2]) end = Math.min(Number(m[2]), size - 1);
    } else if (m && m[2]) {
      start = Math.max(0, size - Number(m[2]));
    }
    if (!m || start >= size || start > end) {
      return new Response("", { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(blob.slice(start, end + 1), {
      status: 206,
      headers: {
        "Content-Type": response.headers.get("Content-Type") || "audio/ogg",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes"
      }
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !allowed(request.url)) return;  // the network alone
  var url = new URL(request.url);
  if (url.pathname.indexOf("/static/") === 0) {
    // One copy of each static file is kept, under its versioned URL; the stylesheet
    // asks for the font without the version, so the query string is not compared.
    event.respondWith(caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || fetch(request);
    }));
    return;
  }
  if (url.pathname.indexOf("/audio/") === 0) {
    // A recording is named by its content: a saved copy is always right. The player asks
    // for byte ranges; a saved copy answers them itself (206), so it plays offline.
    event.respondWith(caches.match(url.pathname).then(function (hit) {
      if (!hit) return fetch(request);
      var range = request.headers.get("range");
      return range ? partial(hit, range) : hit;
    }));
    return;
  }
  // Pages: the network first (so online is exactly as without us), the saved copy offline.
  event.respondWith(
    fetch(request).then(function (response) {
      refresh(request, response);
      return response;
    }).catch(function () {
      return fromCache(request).then(function (hit) {
        return hit || (request.mode === "navigate" ? offlinePage() : Response.error());
      });
    })
  );
});

// Background Sync: ask the open pages to send the queue (static/offline.js sends it).
self.addEventListener("sync", function (event) {
  if (event.tag !== "send-queue") return;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage({ type: "send-queue" }); });
  }));
});
