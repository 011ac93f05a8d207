{% autoescape off %}// GridGov's service worker (collection/views/offline.py, docs/offline.md): keeps the app
// shell of the grid worker's pages so that they open without signal. Rendered by Django:
// the lists below are the hashed static URLs of this deploy.
//
// The pages are kept as their "shell": asked for with the header X-GridGov-Shell, the
// server renders them without the personal data they list (nobody's name), so nothing
// personal lies unencrypted in Cache Storage; offline, static/js/outbox.js draws those
// lists from the phone's sealed store. The page shown online is always the network's.
"use strict";

const CACHE = "{{ cache_name }}";
const PAGES = {{ pages }};
const ASSETS = {{ assets }};
const LOGIN = {{ login }};
const LOGOUT = {{ logout }};
const PREFIX = "gridgov-";
const SHELL_HEADER = "X-GridGov-Shell";
// A kept shell is fetched again at most this often (on a page opened with signal).
const SHELL_FRESH_MS = 5 * 60 * 1000;

function wipe() {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.startsWith(PREFIX); })
      .map(function (k) { return caches.delete(k); }));
  });
}

// A page is kept only as the signed-in worker got it: not an error, not a redirect (to
// the login page when the session has expired).
function keepable(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

// The shell of a page, stamped with when it was fetched; null if it cannot be kept.
function fetchShell(url) {
  const headers = {};
  headers[SHELL_HEADER] = "1";
  return fetch(url, { credentials: "same-origin", headers: headers }).then(function (r) {
    if (!keepable(r)) return null;
    return r.blob().then(function (body) {
      const h = new Headers(r.headers);
      h.set("X-Shell-At", String(Date.now()));
      return new Response(body, { status: r.status, statusText: r.statusText, headers: h });
    });
  });
}

function keepShell(cache, url) {
  return fetchShell(url).then(function (r) { return r ? cache.put(url, r) : null; })
    .catch(function () {});
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      // The pages the worker may open (best effort: a page this worker may not open is
      // simply not kept).
      return Promise.all(PAGES.map(function (url) { return keepShell(cache, url); }));
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.startsWith(PREFIX) && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function offline() {
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>无网络</title><p>当前无网络,此页面尚未离线保存。请在有信号时打开一次。</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// Network first: the page the worker sees online is the server's, never kept as it is. A
// page opened with signal refreshes its kept shell when that is older than SHELL_FRESH_MS
// (the grids, the menu, this deploy's files); offline the shell is shown, for the page's
// address with or without a query (?q=, ?house=local:3).
// Work that outlives the answer (the event lives while its answer is pending); never
// allowed to break the answer itself.
function meanwhile(event, work) {
  try { event.waitUntil(work); } catch (e) { /* it still runs */ }
}

function page(event) {
  const request = event.request;
  const path = new URL(request.url).pathname;
  return fetch(request).then(function (response) {
    if (response.redirected && new URL(response.url).pathname === LOGIN) {
      meanwhile(event, wipe());  // the session has ended: nothing of it stays on the phone
    } else if (keepable(response)) {
      meanwhile(event, caches.open(CACHE).then(function (cache) {
        // After a wipe (logout) under the same worker the static files go back too.
        const assets = Promise.all(ASSETS.map(function (a) { return cache.match(a); }))
          .then(function (hits) { return hits.some(function (h) { return !h; }) ? cache.addAll(ASSETS) : null; });
        const shell = cache.match(path).then(function (kept) {
          const at = kept ? Number(kept.headers.get("X-Shell-At") || 0) : 0;
          return Date.now() - at > SHELL_FRESH_MS ? keepShell(cache, path) : null;
        });
        return Promise.all([assets, shell]);
      }).catch(function () {}));
    }
    return response;
  }).catch(function () {
    return caches.match(path, { ignoreVary: true }).then(function (hit) { return hit || offline(); });
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === LOGOUT) {
    event.waitUntil(wipe());
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate" && PAGES.includes(url.pathname)) {
    event.respondWith(page(event));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
{% endautoescape %}
