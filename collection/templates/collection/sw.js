{% autoescape off %}// GridGov's service worker (collection/views/offline.py, docs/offline.md): keeps the app
// shell of the grid worker's pages so that they open without signal. Rendered by Django:
// the lists below are the hashed static URLs of this deploy.
"use strict";

const CACHE = "{{ cache_name }}";
const PAGES = {{ pages }};
const ASSETS = {{ assets }};
const LOGIN = {{ login }};
const LOGOUT = {{ logout }};
const PREFIX = "gridgov-";

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

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      // The pages the worker may open (best effort: a page this worker may not open is
      // simply not kept).
      return Promise.all(PAGES.map(function (url) {
        return fetch(url, { credentials: "same-origin" })
          .then(function (r) { return keepable(r) ? cache.put(url, r) : null; })
          .catch(function () {});
      }));
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

function page(request) {
  return fetch(request).then(function (response) {
    if (response.redirected && new URL(response.url).pathname === LOGIN) {
      wipe();  // the session has ended: nothing of it stays on the phone
    } else if (keepable(response)) {
      const copy = response.clone();  // now: the page consumes the body
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || caches.match(new URL(request.url).pathname, { ignoreVary: true });
    }).then(function (hit) { return hit || offline(); });
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
    event.respondWith(page(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
{% endautoescape %}
