/* Sending queued visits, shared by the pages and the service worker (Background Sync). Each visit
   carries a client_id made once on the phone, and photos are stored once per position, so a
   retry after a dropped answer never stores anything twice. One sender at a time (Web Locks
   across pages and the worker), oldest visit first. */
(function (root) {
  "use strict";
  var API = "/api/v1/visits", REFUSED = [400, 404, 409, 422];
  var store = root.crmStore, localLane = Promise.resolve();

  function post(url, body, csrf, isJson) {
    var headers = {"X-CSRFToken": csrf, "Accept": "application/json"};
    if (isJson) headers["Content-Type"] = "application/json";
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers,
                       body: isJson ? JSON.stringify(body) : body});
  }
  function refusal(res) {  // the server's own words, kept with the visit
    return res.json().then(function (b) { return b.error || {}; }, function () { return {}; }).then(function (e) {
      return {message: e.message || String(res.status), fields: e.fields || {}};
    });
  }

  // resolves "done" | "attention" | "later"
  function send(item, csrf) {
    var step = item.visit_id ? Promise.resolve(null) : post(API, item.payload, csrf, true);
    return step.then(function (res) {
      if (res === null) return sendPhotos(item, csrf);
      if (res.status === 200 || res.status === 201) {
        return res.json().then(function (b) { item.visit_id = b.id; return store.enqueue(item); })
          .then(function () { return sendPhotos(item, csrf); });
      }
      if (REFUSED.indexOf(res.status) >= 0) {
        return refusal(res).then(function (why) {
          item.state = "attention"; item.error = why.message; item.fields = why.fields;
          return store.enqueue(item).then(function () { return "attention"; });
        });
      }
      return "later";  // signed out, server busy: try again
    }, function () { return "later"; });
  }
  function sendPhotos(item, csrf) {
    var photos = item.photos || [], i = photos.findIndex(function (p) { return p; });
    if (i < 0) return store.dequeue(item.client_id).then(function () { return "done"; });
    var data = new FormData();
    data.append("position", String(i));
    data.append("photo", photos[i], "photo" + i + ".jpg");
    return post(API + "/" + item.visit_id + "/photos", data, csrf, false).then(function (res) {
      if (res.status === 200 || res.status === 201 || res.status === 422) {
        photos[i] = null;  // an unreadable photo is not retried for ever
        return store.enqueue(item).then(function () { return sendPhotos(item, csrf); });
      }
      return "later";
    }, function () { return "later"; });
  }

  function exclusive(job) {
    if (root.navigator && navigator.locks) return navigator.locks.request("crm-send", job);
    var run = localLane.then(job);
    localLane = run.catch(function () {});
    return run;
  }
  // Sends the user's waiting visits in order; stops at the first that must wait for the network.
  // (Another account signed in on the same phone never sends them under its own name.)
  function flush(csrf, user) {
    return exclusive(function () {
      return store.queued().then(function (items) {
        var chain = Promise.resolve("done");
        items.filter(function (it) { return it.state !== "attention" && it.user === user; }).forEach(function (it) {
          chain = chain.then(function (last) {
            if (last === "later") return "later";
            // another sender may have finished it meanwhile: read it again
            return store.queuedItem(it.client_id).then(function (fresh) {
              return fresh && fresh.state !== "attention" ? send(fresh, csrf) : last;
            });
          });
        });
        return chain;
      });
    });
  }

  root.crmSender = {flush: flush, send: function (item, csrf) { return exclusive(function () { return send(item, csrf); }); }};
})(self);
