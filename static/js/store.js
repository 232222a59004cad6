/* The phone's storage (IndexedDB), shared by the pages and the service worker:
   "queue" holds visits waiting to be sent (with their photos), keyed by client_id;
   "kept" holds what the day needs offline (Today and the merchants of the area), keyed by name. */
(function (root) {
  "use strict";
  var NAME = "crm-visits", VERSION = 2;

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", {keyPath: "client_id"});
        if (!db.objectStoreNames.contains("kept")) db.createObjectStore("kept");
      };
      req.onerror = function () { reject(req.error); };
      req.onsuccess = function () { resolve(req.result); };
    });
  }
  function run(storeName, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode), req = fn(tx.objectStore(storeName));
        tx.oncomplete = function () { db.close(); resolve(req && req.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function byQueueOrder(a, b) { return (a.seq || 0) - (b.seq || 0); }

  root.crmStore = {
    queued: function () {
      return run("queue", "readonly", function (s) { return s.getAll(); }).then(function (items) { return items.sort(byQueueOrder); });
    },
    queuedItem: function (id) { return run("queue", "readonly", function (s) { return s.get(id); }); },
    enqueue: function (item) { return run("queue", "readwrite", function (s) { return s.put(item); }); },
    dequeue: function (id) { return run("queue", "readwrite", function (s) { return s.delete(id); }); },
    kept: function (key) { return run("kept", "readonly", function (s) { return s.get(key); }); },
    keep: function (key, value) { return run("kept", "readwrite", function (s) { return s.put(value, key); }); }
  };
})(self);
