/* What the day needs, kept on the phone: Today (follow-ups, referrals, joint visit day, needs)
   and the merchants of the account manager's area, refreshed in the background by sending only
   what changed since the last copy. Offline, Today renders from it and search runs on it. */
(function (root) {
  "use strict";
  var store = root.crmStore, KEY = "area", STALE_MS = 10 * 60 * 1000;
  var page = document.getElementById("today"), userId = document.body.dataset.user || "";
  var copy = null, index = null, loading = null;

  function lang() { return document.documentElement.lang || "zh-CN"; }
  function longDate(iso) {  // "2026年12月1日", like the server's dateformat('long')
    if (!iso) return "—";
    var p = iso.split("-");
    return new Date(+p[0], +p[1] - 1, +p[2]).toLocaleDateString(lang(), {year: "numeric", month: "long", day: "numeric"});
  }
  function moment(iso) {
    return new Date(iso).toLocaleString(lang(), {month: "long", day: "numeric", hour: "2-digit", minute: "2-digit"});
  }

  // ---- the kept copy ----
  function load() {
    if (!loading) {
      loading = store.kept(KEY).then(function (kept) {
        copy = kept && kept.user === userId ? kept : null;  // a copy of another account is never shown
        index = null;
        if (copy) buildIndex();
        return copy;
      }, function () { return null; });
    }
    return loading;
  }
  function merge(kept, fresh) {
    var byId = {};
    if (!fresh.full && kept) kept.merchants.forEach(function (m) { byId[m.id] = m; });
    fresh.merchants.forEach(function (m) { byId[m.id] = m; });
    return {user: userId, synced_at: fresh.synced_at, fingerprint: fresh.fingerprint, agenda: fresh.agenda,
            merchants: Object.keys(byId).map(function (id) { return byId[id]; })};
  }
  // Refresh from the server: resolves the new copy, or rejects when there is no network.
  function refresh() {
    return load().then(function (kept) {
      var url = "/api/v1/me/offline";
      if (kept) url += "?since=" + encodeURIComponent(kept.synced_at) + "&fingerprint=" + encodeURIComponent(kept.fingerprint);
      return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return res.json();
      }).then(function (fresh) {
        copy = merge(kept, fresh); buildIndex(); loading = Promise.resolve(copy);
        return store.keep(KEY, copy).then(function () { return copy; });
      });
    });
  }
  function refreshIfStale() {
    return load().then(function (kept) {
      if (kept && Date.now() - new Date(kept.synced_at).getTime() < STALE_MS) return kept;
      return refresh().catch(function () { return kept; });
    });
  }

  // ---- search by name, pinyin initials, credit code or phone ----
  // One lower-case line per merchant: a single indexOf rules most of them out.
  function buildIndex() {
    index = copy.merchants.map(function (m) {
      return {m: m, hay: [m.initials || "", m.name, m.code, m.phone || ""].join("\n").toLowerCase()};
    });
  }
  function search(text, limit) {  // needs load() first; matches at the start of a field first
    if (!copy) return null;
    if (!index) buildIndex();
    var t = text.trim().toLowerCase(), starts = "\n" + t, first = [], rest = [];
    if (!t) return [];
    for (var i = 0; i < index.length && first.length < limit; i++) {
      var at = index[i].hay.indexOf(t);
      if (at < 0) continue;
      if (at === 0 || index[i].hay.indexOf(starts) >= 0) first.push(index[i].m);
      else if (rest.length < limit) rest.push(index[i].m);
    }
    return first.concat(rest).slice(0, limit);
  }
  function byId(id) {
    return copy ? copy.merchants.find(function (m) { return String(m.id) === String(id); }) || null : null;
  }

  // ---- Today, drawn from the kept copy when the network is gone ----
  function msg(name, value) { return (page.dataset["msg" + name] || "").replace("{m}", value); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function dueLine(day, overdue) {
    var span = el("span"), when = el("span", longDate(day), "nowrap" + (overdue ? " overdue" : ""));
    span.appendChild(when);
    if (overdue) { span.appendChild(document.createTextNode(" ")); span.appendChild(el("span", msg("Overdue"), "tag tag-overdue")); }
    return span;
  }
  // A visit recorded on this phone and not yet sent already answers its merchant's follow-up or referral.
  function merchantRow(item, day, kind, recorded) {
    var li = el("li", "", kind ? "kv" : ""), left = el("span"), link = el("a", item.merchant.name);
    link.href = "/merchants/" + item.merchant.id;
    left.appendChild(link);
    if (item.text) left.appendChild(document.createTextNode(" · " + item.text));
    left.appendChild(el("br"));
    left.appendChild(dueLine(day, item.overdue && !recorded));
    li.appendChild(left);
    if (recorded) {
      li.appendChild(el("span", msg("Recorded"), "tag"));
    } else if (kind) {
      var go = el("a", msg("Visit"), "btn small");
      go.href = "/visits/new?merchant=" + item.merchant.id + "&kind=" + kind;
      li.appendChild(go);
    }
    return li;
  }
  function fill(name, rows) {
    var list = page.querySelector('[data-list="' + name + '"]');
    list.textContent = "";
    rows.forEach(function (row) { list.appendChild(row); });
    if (!rows.length) list.appendChild(el("li", msg("None"), "empty"));
  }
  // {credit code: [kinds]} of the visits this user recorded on the phone and has not sent yet.
  function recordedHere() {
    return store.queued().then(function (items) {
      var kinds = {};
      items.forEach(function (it) {
        if (String(it.user) !== userId) return;
        var code = it.payload.merchant.credit_code;
        (kinds[code] = kinds[code] || []).push(it.payload.kind);
      });
      return kinds;
    }, function () { return {}; });
  }
  function drawToday(kept, recorded) {
    var a = kept.agenda;
    function has(item, kind) { var k = recorded[item.merchant.credit_code]; return !!k && (!kind || k.indexOf(kind) >= 0); }
    page.querySelector("[data-today-date]").textContent = longDate(a.today);
    fill("follow_ups", a.follow_ups.map(function (f) { return merchantRow(f, f.due_on, "follow_up", has(f, "follow_up")); }));
    fill("referrals", a.referrals.map(function (r) { return merchantRow(r, r.deadline_on, "first", has(r)); }));
    fill("needs", a.needs.map(function (n) { return merchantRow(n, n.due_on, null); }));
    fill("joint_visit_days", a.joint_visit_days.map(function (d) {
      var li = el("li", "", "kv");
      li.appendChild(el("span", d.pair.name));
      li.appendChild(d.event ? el("span", longDate(d.event.planned_on) + (d.event.place ? " · " + d.event.place : ""))
                             : el("span", msg("Unplanned"), "tag tag-due"));
      return li;
    }));
  }
  function showSynced(kept) {
    page.querySelector("[data-synced]").textContent = kept ? msg("Synced", moment(kept.synced_at)) : msg("Never");
  }
  function today() {
    refresh().then(function (kept) {
      page.querySelector("[data-offline]").hidden = true;
      showSynced(kept);
    }, function () {
      page.querySelector("[data-offline]").hidden = false;
      return Promise.all([load(), recordedHere()]).then(function (got) {
        if (got[0]) drawToday(got[0], got[1]);
        showSynced(got[0]);
      });
    });
  }

  root.crmFieldbook = {load: load, refresh: refresh, refreshIfStale: refreshIfStale, search: search, byId: byId,
                       longDate: longDate};
  if (page) today();
  window.addEventListener("online", function () { if (page) today(); else refresh().catch(function () {}); });
})(self);
