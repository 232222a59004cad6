/* The offline visit client: a recorded visit waits in IndexedDB (with its photos) until the
   server has it. Each visit carries a client_id made once when the form opens, so a retry, a
   double tap or a dropped answer never stores it twice. No dependencies. */
(function () {
  "use strict";
  var DB = "crm-visits", STORE = "queue", API = "/api/v1/visits";
  var form = document.getElementById("visit-form");
  var box = document.querySelector("[data-queue]");
  var lane = Promise.resolve(), flushQueued = false;

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});

  // ---- IndexedDB: one store of queued visits, keyed by client_id ----
  function store(mode, fn) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, {keyPath: "client_id"}); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var tx = open.result.transaction(STORE, mode), req = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { open.result.close(); resolve(req && req.result); };
        tx.onerror = function () { open.result.close(); reject(tx.error); };
      };
    });
  }
  function all() { return store("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return store("readwrite", function (s) { return s.put(item); }); }
  function drop(id) { return store("readwrite", function (s) { return s.delete(id); }); }

  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function msg(name, value) {
    var text = (form && form.dataset["msg" + name]) || (box && box.dataset["msg" + name]) || "";
    return text.replace(/\{[nm]\}/, value);
  }

  // ---- sending: a visit first, then its photos; kept until the server has everything ----
  function post(url, body, isJson) {
    var headers = {"X-CSRFToken": csrf(), "Accept": "application/json"};
    if (isJson) headers["Content-Type"] = "application/json";
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers,
                       body: isJson ? JSON.stringify(body) : body});
  }
  function fieldErrors(res) {
    return res.json().then(function (b) { return b.error || {}; }, function () { return {}; });
  }
  function send(item) {  // resolves "done" | "attention" | "later"
    var step = item.visit_id ? Promise.resolve(null) : post(API, item.payload, true);
    return step.then(function (res) {
      if (res && (res.status === 200 || res.status === 201)) {
        return res.json().then(function (b) { item.visit_id = b.id; return put(item); }).then(function () { return sendPhotos(item); });
      }
      if (res && (res.status === 409 || res.status === 422)) {
        return fieldErrors(res).then(function (e) {
          item.state = "attention"; item.error = e.message || ""; item.fields = e.fields || {};
          return put(item).then(function () { return "attention"; });
        });
      }
      return res ? "later" : sendPhotos(item);
    }, function () { return "later"; });
  }
  function sendPhotos(item) {
    var i = (item.photos || []).findIndex(function (p) { return p; });
    if (i < 0) return drop(item.client_id).then(function () { return "done"; });
    var data = new FormData();
    data.append("position", String(i));
    data.append("photo", item.photos[i], "photo" + i + ".jpg");
    return post(API + "/" + item.visit_id + "/photos", data, false).then(function (res) {
      if (res.status === 200 || res.status === 201 || res.status === 422) {
        item.photos[i] = null;  // an unreadable photo is not retried for ever
        return put(item).then(function () { return sendPhotos(item); });
      }
      return "later";
    }, function () { return "later"; });
  }
  function serial(job) {  // one sender at a time: a flush and a fresh submit never race
    var run = lane.then(job);
    lane = run.catch(function () {});
    return run;
  }
  function flush() {
    if (flushQueued) return lane;
    flushQueued = true;
    return serial(function () {
      flushQueued = false;
      return all().then(function (items) {
        var chain = Promise.resolve("done");
        items.filter(function (it) { return it.state !== "attention"; }).forEach(function (it) {
          chain = chain.then(function (last) { return last === "later" ? "later" : send(it); });
        });
        return chain;
      });
    }).catch(function () {}).then(render);
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
    return Array.prototype.map.call(b, function (x, i) { return ([4, 6, 8, 10].indexOf(i) >= 0 ? "-" : "") + (x + 256).toString(16).slice(1); }).join("");
  }

  // ---- the visible queue: "waiting to send: N" and what needs attention ----
  function render() {
    if (!box) return Promise.resolve();
    return all().then(function (items) {
      var waiting = items.filter(function (it) { return it.state !== "attention"; });
      var attention = items.filter(function (it) { return it.state === "attention"; });
      box.hidden = !items.length;
      box.querySelector("[data-pending-text]").textContent = msg("Pending", waiting.length);
      var list = box.querySelector("[data-attention]");
      if (!list) return;
      list.textContent = "";
      attention.forEach(function (it) {
        var li = document.createElement("li"), b = document.createElement("button");
        li.textContent = msg("Attention") + ": " + it.label + " — " + [it.error].concat(
          Object.keys(it.fields || {}).map(function (k) { return it.fields[k]; })).join(" ");
        b.type = "button"; b.className = "btn small"; b.textContent = msg("Discard");
        b.onclick = function () { drop(it.client_id).then(render); };
        li.appendChild(b); list.appendChild(li);
      });
    });
  }

  window.addEventListener("online", flush);
  setInterval(function () { if (navigator.onLine) flush(); }, 30000);
  flush();
  if (!form) return;

  // ---- the form ----
  var $ = function (sel) { return form.querySelector(sel); };
  var q = document.getElementById("vis-q"), results = $("[data-results]");
  function value(name) { var el = form.elements[name]; return el && el.value ? el.value.trim() : ""; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function withOffset(v) {
    if (!v) return null;
    var m = -new Date(v).getTimezoneOffset(), sign = m < 0 ? "-" : "+";
    m = Math.abs(m);
    return (v.length === 16 ? v + ":00" : v) + sign + pad(m / 60 | 0) + ":" + pad(m % 60);
  }
  function setNow() {  // the phone's own clock and offset (a cached page's time would be stale)
    var d = new Date();
    form.elements.visited_at.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function payload() {  // the same shape crm/visits/forms.py visit_payload builds
    var merchant = value("credit_code") ? {credit_code: value("credit_code")} : {
      credit_code: value("new_credit_code"), name: value("new_name"), trade: value("new_trade"),
      region_id: parseInt(value("new_region_id"), 10) || null};
    if (!value("credit_code") && value("new_operator_phone")) merchant.operator_phone = value("new_operator_phone");
    var body = {
      client_id: value("client_id"), campaign_id: parseInt(value("campaign_id"), 10) || null, merchant: merchant,
      kind: value("kind") || null, visited_at: withOffset(value("visited_at")), notes: value("notes") || null,
      needs: Array.prototype.map.call(form.querySelectorAll('[name="need"]'), function (el) { return el.value.trim(); })
        .filter(Boolean).map(function (t) { return {text: t}; }),
      satisfaction: value("kind") === "follow_up" && value("satisfaction") ? parseInt(value("satisfaction"), 10) : null,
      next_follow_up_on: value("next_follow_up_on") || null
    };
    if (value("lat") && value("lng")) body.location = {lat: +value("lat"), lng: +value("lng"), accuracy_m: value("accuracy") ? +value("accuracy") : null};
    if (value("has_need")) body.financing_need = {has_need: value("has_need") === "yes", amount: value("amount") || null, purpose: value("purpose") || null};
    return body;
  }
  function shrink(file) {  // a phone photo is 3–5 MB; the server keeps at most 1600 px anyway
    if (!file || !window.createImageBitmap || !/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bmp) {
      var k = Math.min(1, 1600 / Math.max(bmp.width, bmp.height)), c = document.createElement("canvas");
      c.width = Math.round(bmp.width * k); c.height = Math.round(bmp.height * k);
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      return new Promise(function (done) { c.toBlob(function (b) { done(b || file); }, "image/jpeg", 0.85); });
    }).catch(function () { return file; });
  }
  function showErrors(fields) {
    form.querySelectorAll("[data-error]").forEach(function (el) {
      var text = fields[el.dataset.error] || (el.dataset.error === "merchant.credit_code" && fields["merchant.name"]) || "";
      el.textContent = text; el.hidden = !text;
    });
  }
  function newVisit(message) {
    var keep = {campaign_id: value("campaign_id"), kind: value("kind")};
    form.reset();
    form.elements.client_id.value = uuid();
  setNow();
    form.elements.campaign_id.value = keep.campaign_id;
    form.querySelectorAll('[name="kind"]').forEach(function (el) { el.checked = el.value === keep.kind; });
    setNow();
    pick(null);
    locate();
    var done = document.querySelector("[data-done]");
    done.textContent = message; done.hidden = false;
    window.scrollTo(0, 0);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!value("credit_code") && !(value("new_credit_code") && value("new_name"))) {
      showErrors({"merchant.credit_code": msg("Merchant")});
      return;
    }
    var body = payload(), files = ["photo0", "photo1", "photo2"].map(function (n) {
      var f = form.elements[n].files; return f && f[0] ? f[0] : null; });
    var label = (document.querySelector("[data-picked-name]").textContent || value("new_name")) + " " + value("visited_at").replace("T", " ");
    var item = {client_id: body.client_id, payload: body, visit_id: null, state: "waiting", label: label};
    form.querySelector('[type="submit"]').disabled = true;
    Promise.all(files.map(shrink)).then(function (photos) {
      item.photos = photos;
      return put(item);  // kept on the phone first: nothing is lost if the page dies mid-send
    }).then(function () {
      return serial(function () { return navigator.onLine ? send(item) : "later"; });
    }).catch(function () { return "later"; }).then(function (outcome) {
      form.querySelector('[type="submit"]').disabled = false;
      if (outcome === "attention") {  // still on the form: show why, fix, send again
        return drop(item.client_id).then(function () { showErrors(item.fields || {}); render(); });
      }
      showErrors({});
      newVisit(outcome === "done" ? msg("Saved") : msg("Queued"));
      return render();
    });
  });

  // ---- merchant search as you type (name, credit code, phone, pinyin initials) ----
  var recent = JSON.parse(localStorage.getItem("crm-recent-merchants") || "[]"), timer;
  function pick(m) {
    form.elements.credit_code.value = m ? m.credit_code : "";
    document.querySelector("[data-picked-name]").textContent = m ? m.name : "";
    $("[data-picked]").hidden = !m; q.hidden = !!m; results.textContent = "";
    if (!m) { q.value = ""; return; }
    recent = [m].concat(recent.filter(function (r) { return r.credit_code !== m.credit_code; })).slice(0, 20);
    localStorage.setItem("crm-recent-merchants", JSON.stringify(recent));
  }
  function list(items) {
    results.textContent = "";
    if (!items.length) { var none = document.createElement("li"); none.className = "muted"; none.textContent = msg("None"); results.appendChild(none); }
    items.slice(0, 8).forEach(function (m) {
      var li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.textContent = m.name + " · " + m.credit_code;
      b.onclick = function () { pick({name: m.name, credit_code: m.credit_code}); };
      li.appendChild(b); results.appendChild(li);
    });
  }
  function search() {
    var text = q.value.trim();
    if (text.length < 2) { results.textContent = ""; return; }
    fetch("/api/v1/merchants?per_page=8&q=" + encodeURIComponent(text), {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw r; return r.json(); })
      .then(function (b) { list(b.items); }, function () {  // offline: the merchants picked before
        var t = text.toLowerCase();
        list(recent.filter(function (m) { return m.name.toLowerCase().indexOf(t) >= 0 || m.credit_code.indexOf(text.toUpperCase()) === 0; }));
      });
  }
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
  $("[data-unpick]").addEventListener("click", function () { pick(null); q.focus(); });

  // ---- GPS: optional, never blocking ----
  function locate() {
    var note = $("[data-gps]");
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (p) {
      form.elements.lat.value = p.coords.latitude.toFixed(6);
      form.elements.lng.value = p.coords.longitude.toFixed(6);
      form.elements.accuracy.value = Math.round(p.coords.accuracy);
      note.textContent = msg("Gps", Math.round(p.coords.accuracy));
    }, function () { note.textContent = msg("Nogps"); }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  }

  // ---- satisfaction is asked on follow-ups ----
  function kindChanged() { $("[data-satisfaction]").hidden = value("kind") !== "follow_up"; }
  form.addEventListener("change", function (ev) { if (ev.target.name === "kind") kindChanged(); });
  kindChanged();
  locate();
  // Made once when the form opens (a cached copy of the page must not reuse the id in its HTML).
  form.elements.client_id.value = uuid();
  setNow();
})();
