/* Service worker: keeps the app shell, Today and the visit form usable with no network, and sends
   the queued visits by Background Sync where the browser has it.
   The server fills in VERSION (a hash of the shell) and SHELL (its URLs: static files, then Today,
   then the visit form) when it serves /sw.js. */
var VERSION = "__VERSION__", SHELL = __SHELL__, CACHE = "crm-shell-" + VERSION;
var FORM = SHELL[SHELL.length - 1], TODAY = SHELL[SHELL.length - 2];

importScripts.apply(null, SHELL.filter(function (url) { return /\/js\/(store|sender)\.js/.test(url); }));

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) { return new Request(url, {credentials: "same-origin"}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("crm-shell-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, keep, fallback) {
  return fetch(request).then(function (response) {
    if (response.ok && keep && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(keep, copy); });
    }
    return response;
  }, function () {
    return caches.match(keep || request).then(function (hit) {
      return hit || caches.match(fallback).then(function (other) { return other || caches.match(FORM); });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  // Writes and API reads go straight to the network: the pages keep their own copies.
  if (request.method !== "GET" || url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  } else if (request.mode === "navigate") {
    // Today and the visit form are kept fresh (new CSRF token, new drives) whenever the network allows;
    // offline, the visit form opened from Today (?merchant=…&kind=…) is the kept blank form.
    var keep = !url.search && (url.pathname === FORM || url.pathname === TODAY) ? url.pathname : null;
    event.respondWith(networkFirst(request, keep, url.pathname.indexOf("/visits/") === 0 ? FORM : TODAY));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "crm-send") return;
  event.waitUntil(self.crmStore.kept("session").then(function (session) {
    return session ? self.crmSender.flush(session.csrf, session.user) : "later";
  }).then(function (outcome) {
    return self.clients.matchAll().then(function (pages) {
      pages.forEach(function (page) { page.postMessage("crm-sent"); });
      if (outcome === "later") throw new Error("network not back yet");  // the browser tries again later
    });
  }));
});
