/* The visit form and the queue on the phone: a recorded visit waits in IndexedDB (with its photos)
   until the server has it, and goes out by itself when the network returns (the online event,
   the next page load, Background Sync, a timer). A visit the server refuses stays on the phone
   with the server's reason until it is fixed or discarded. No dependencies. */
(function () {
  "use strict";
  var store = self.crmStore, sender = self.crmSender, book = self.crmFieldbook;
  var form = document.getElementById("visit-form");
  var box = document.querySelector("[data-queue]"), attentionList = document.querySelector("[data-attention]");
  var RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000], retries = 0, retryTimer = null, flushing = null;
  var PHOTO_BYTES = 200 * 1024;

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});

  var user = document.body.dataset.user || "";
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  store.keep("session", {csrf: csrf(), user: user}).catch(function () {});  // for the worker's Background Sync
  function msg(name, value) {
    var text = (form && form.dataset["msg" + name]) || (box && box.dataset["msg" + name]) || "";
    return text.replace(/\{[nm]\}/, value);
  }

  // ---- sending ----
  function flush() {
    if (flushing) return flushing;
    clearTimeout(retryTimer);
    flushing = sender.flush(csrf(), user).catch(function () { return "later"; }).then(function (outcome) {
      flushing = null;
      if (outcome === "later") {  // the network is not really back yet: try again soon
        retryTimer = setTimeout(flush, RETRY_MS[Math.min(retries++, RETRY_MS.length - 1)]);
      } else {
        retries = 0;
      }
      return render();
    });
    return flushing;
  }
  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.sync && reg.sync.register("crm-send");
    }).catch(function () {});
  }

  // ---- the visible queue: "waiting to send: N" and what the server refused, with its reason ----
  function render() {
    if (!box) return Promise.resolve();
    return store.queued().then(function (items) {
      items = items.filter(function (it) { return it.user === user; });
      var waiting = items.filter(function (it) { return it.state !== "attention"; });
      var attention = items.filter(function (it) { return it.state === "attention"; });
      box.hidden = !waiting.length;
      box.querySelector("[data-pending-text]").textContent = msg("Pending", waiting.length);
      var queuedNote = document.querySelector("[data-done][data-queued]");
      if (queuedNote && !waiting.length) queuedNote.hidden = true;  // it was sent: the note is no longer true
      if (!attentionList) return;
      attentionList.textContent = "";
      attention.forEach(function (it) {
        var li = document.createElement("li"), why = document.createElement("span");
        li.dataset.attentionItem = it.client_id;
        why.textContent = msg("Attention") + ": " + it.label + " — " + [it.error].concat(
          Object.keys(it.fields || {}).map(function (k) { return it.fields[k]; })).join(" ");
        var fix = document.createElement("a"), drop = document.createElement("button");
        fix.className = "btn small"; fix.textContent = msg("Fix"); fix.href = "/visits/new?fix=" + encodeURIComponent(it.client_id);
        drop.type = "button"; drop.className = "btn small"; drop.textContent = msg("Discard");
        drop.addEventListener("click", function () { store.dequeue(it.client_id).then(render); });
        li.appendChild(why); li.appendChild(fix); li.appendChild(drop);
        attentionList.appendChild(li);
      });
    });
  }

  window.addEventListener("online", function () { retries = 0; flush(); });
  setInterval(function () { if (navigator.onLine) flush(); }, 20000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (ev) { if (ev.data === "crm-sent") render(); });
  }
  flush();
  if (!form) return;

  // ---- the form ----
  var $ = function (sel) { return form.querySelector(sel); };
  var q = document.getElementById("vis-q"), results = $("[data-results]"), done = document.querySelector("[data-done]");
  var params = new URLSearchParams(location.search), fixing = null;
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
  function setKind(kind) {
    form.querySelectorAll('[name="kind"]').forEach(function (el) { el.checked = el.value === kind; });
    kindChanged();
  }
  function payload() {  // the same shape crm/visits/forms.py visit_payload builds
    var merchant = value("credit_code") ? {credit_code: value("credit_code")} : {
      credit_code: self.crmCreditCode.normalize(value("new_credit_code")), name: value("new_name"), trade: value("new_trade"),
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

  // ---- photos: shrunk on the phone to at most 200 KB each ----
  function encode(bmp, scale, quality) {
    var c = document.createElement("canvas");
    c.width = Math.max(1, Math.round(bmp.width * scale)); c.height = Math.max(1, Math.round(bmp.height * scale));
    c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
    return new Promise(function (done) { c.toBlob(done, "image/jpeg", quality); });
  }
  function shrink(file) {
    if (!file || !window.createImageBitmap || !/^image\//.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bmp) {
      var scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height)), quality = 0.82;
      function attempt() {
        return encode(bmp, scale, quality).then(function (blob) {
          if (!blob) return file;
          if (blob.size <= PHOTO_BYTES || scale < 0.05) return blob;
          if (quality > 0.5) quality -= 0.15; else scale *= 0.75;
          return attempt();
        });
      }
      return attempt();
    }).catch(function () { return file; });
  }

  // ---- errors shown beside their fields ----
  function showErrors(fields) {
    form.querySelectorAll("[data-error]").forEach(function (el) {
      var key = el.dataset.error;
      var text = fields[key] || (key === "merchant.credit_code" && (fields["merchant.name"] || fields["merchant.region_id"])) || "";
      el.textContent = text; el.hidden = !text;
    });
  }
  function creditCodeProblem() {
    var raw = value("new_credit_code");
    if (!raw || value("credit_code")) return "";
    var check = self.crmCreditCode.validate(raw);
    return check.reason ? msg("Code" + check.reason.charAt(0).toUpperCase() + check.reason.slice(1), check.detail) : "";
  }
  function showCodeProblem() {
    var note = $("[data-code-check]"), problem = creditCodeProblem();
    note.textContent = problem; note.hidden = !problem;
    return problem;
  }
  form.elements.new_credit_code.addEventListener("input", showCodeProblem);

  function announce(text, queued) {
    done.textContent = text; done.hidden = false;
    if (queued) done.dataset.queued = ""; else delete done.dataset.queued;
    window.scrollTo(0, 0);
  }
  function newVisit() {
    var keep = {campaign_id: value("campaign_id"), kind: value("kind")};
    form.reset();
    form.elements.client_id.value = uuid();
    form.elements.campaign_id.value = keep.campaign_id;
    setKind(keep.kind);
    setNow();
    pick(null);
    locate();
    fixing = null;
    if (params.has("fix") || params.has("merchant")) history.replaceState(null, "", location.pathname);
  }
  function merchantName() {
    return document.querySelector("[data-picked-name]").textContent || value("new_name");
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!value("credit_code") && !(value("new_credit_code") && value("new_name"))) {
      showErrors({"merchant.credit_code": msg("Merchant")});
      return;
    }
    if (showCodeProblem()) return;
    var body = payload(), name = merchantName(), chosen = ["photo0", "photo1", "photo2"].map(function (n) {
      var f = form.elements[n].files; return f && f[0] ? f[0] : null; });
    var kept = fixing ? fixing.photos || [] : [];
    var item = {client_id: body.client_id, payload: body, visit_id: null, state: "waiting", seq: Date.now(), user: user,
                label: name + " " + value("visited_at").replace("T", " ")};
    var submit = form.querySelector('[type="submit"]');
    submit.disabled = true;
    Promise.all(chosen.map(function (f, i) { return f ? shrink(f) : Promise.resolve(kept[i] || null); })).then(function (photos) {
      item.photos = photos;
      // kept on the phone first: nothing is lost if the page dies mid-send
      return store.enqueue(item).then(function () { return fixing ? store.dequeue(fixing.client_id) : null; });
    }).then(function () {
      askBackgroundSync();
      return navigator.onLine ? sender.send(item, csrf()) : "later";
    }).catch(function () { return "later"; }).then(function (outcome) {
      submit.disabled = false;
      if (outcome === "attention") {  // still on the form: show why, fix, send again
        return store.dequeue(item.client_id).then(function () {
          form.elements.client_id.value = uuid();
          showErrors(item.fields || {}); render();
        });
      }
      showErrors({});
      newVisit();
      if (outcome === "done") announce(msg("Saved", name), false);
      else { announce(msg("Queued", name), true); if (outcome === "later" && navigator.onLine) flush(); }
      return render();
    });
  });

  // ---- merchant search as you type: on the phone's copy of the area, the server if there is none ----
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
      b.type = "button";
      b.textContent = m.name + " · " + m.credit_code + (m.district ? " · " + m.district : "") +
        (m.last_visit ? " · " + msg("Last", book.longDate(m.last_visit)) : "");
      b.addEventListener("click", function () { pick({name: m.name, credit_code: m.credit_code}); });
      li.appendChild(b); results.appendChild(li);
    });
  }
  function fromCopy(m) { return {name: m.name, credit_code: m.code, district: m.district, last_visit: m.last_visit}; }
  function search() {
    var text = q.value.trim();
    if (text.length < 2) { results.textContent = ""; return; }
    var local = book.search(text, 8);
    if (local) { list(local.map(fromCopy)); return; }
    fetch("/api/v1/merchants?per_page=8&q=" + encodeURIComponent(text), {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw r; return r.json(); })
      .then(function (b) { list(b.items); }, function () {  // no copy and no network: the merchants picked before
        var t = text.toLowerCase();
        list(recent.filter(function (m) { return m.name.toLowerCase().indexOf(t) >= 0 || m.credit_code.indexOf(text.toUpperCase()) === 0; }));
      });
  }
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 120); });
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

  // ---- a visit the server refused, opened again to be fixed ----
  function setField(name, v) { if (form.elements[name] && v !== null && v !== undefined) form.elements[name].value = v; }
  function check(name, v) { form.querySelectorAll('[name="' + name + '"]').forEach(function (el) { el.checked = el.value === v; }); }
  function refill(item) {
    var p = item.payload, m = p.merchant;
    fixing = item;
    if (m.name) {
      $(".vis-new").open = true;
      setField("new_credit_code", m.credit_code); setField("new_name", m.name); setField("new_trade", m.trade);
      setField("new_region_id", m.region_id); setField("new_operator_phone", m.operator_phone);
    } else {
      book.load().then(function () {
        var known = (book.search(m.credit_code, 1) || [])[0];
        pick({name: known ? known.name : m.credit_code, credit_code: m.credit_code});
      });
    }
    setKind(p.kind); setField("notes", p.notes); setField("next_follow_up_on", p.next_follow_up_on);
    setField("visited_at", (p.visited_at || "").slice(0, 16));
    if (p.satisfaction) check("satisfaction", String(p.satisfaction));
    if (p.financing_need) {
      check("has_need", p.financing_need.has_need ? "yes" : "no");
      setField("amount", p.financing_need.amount); setField("purpose", p.financing_need.purpose);
    }
    var needInputs = form.querySelectorAll('[name="need"]');
    (p.needs || []).forEach(function (n, i) { if (needInputs[i]) needInputs[i].value = n.text; });
    if (p.location) { setField("lat", p.location.lat); setField("lng", p.location.lng); setField("accuracy", p.location.accuracy_m); }
    showErrors(item.fields || {});
    announce(msg("Attention") + ": " + item.error, false);
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
    return Array.prototype.map.call(b, function (x, i) { return ([4, 6, 8, 10].indexOf(i) >= 0 ? "-" : "") + (x + 256).toString(16).slice(1); }).join("");
  }

  // Made once when the form opens (a cached copy of the page must not reuse the id in its HTML).
  form.elements.client_id.value = uuid();
  setNow();
  if (params.get("kind")) setKind(params.get("kind")); else kindChanged();
  book.load().then(function () {
    if (params.has("merchant") && !value("credit_code")) {  // offline: the page is the cached blank form
      var m = book.byId(params.get("merchant"));
      if (m) pick({name: m.name, credit_code: m.code});
    }
  });
  book.refreshIfStale();
  if (params.has("fix")) {
    store.queuedItem(params.get("fix")).then(function (item) { if (item) refill(item); else locate(); });
  } else {
    locate();
  }
})();
