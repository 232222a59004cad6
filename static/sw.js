/* Service worker: keeps the app shell and the visit form usable with no network.
   The server fills in VERSION (a hash of the shell) and SHELL (its URLs) when it serves /sw.js. */
var VERSION = "__VERSION__", SHELL = __SHELL__, CACHE = "crm-shell-" + VERSION, FORM = SHELL[SHELL.length - 1];

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

function networkFirst(request, keep) {
  return fetch(request).then(function (response) {
    if (response.ok && keep && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(keep, copy); });
    }
    return response;
  }, function () {
    return caches.match(keep || request).then(function (hit) { return hit || caches.match(FORM); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  // Writes go straight to the network: the page's queue decides what to retry.
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  } else if (url.pathname === "/api/v1/merchants") {
    event.respondWith(networkFirst(request, request.url));
  } else if (request.mode === "navigate") {
    // The visit form is kept fresh (new CSRF token, new drives) whenever the network allows.
    event.respondWith(networkFirst(request, url.pathname === FORM && !url.search ? FORM : null));
  }
});
