// SCRMS mobile: the rep's day, search, customer cards and quick actions.
// What the rep opened stays readable offline (kept in IndexedDB); what
// they do offline waits in a queue, shows as pending, and is sent when the
// connection returns. Each action carries an id made here, so an action
// sent twice is done once; a conflict is shown, never dropped.
(function () {
  "use strict";
  var view = document.getElementById("view");
  var netEl = document.getElementById("net");
  var pendingEl = document.getElementById("pending");
  var attentionEl = document.getElementById("attention");

  // --- storage -----------------------------------------------------------
  var DB = "scrms-m";
  var dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise(function (ok, bad) {
        var r = indexedDB.open(DB, 1);
        r.onupgradeneeded = function () {
          r.result.createObjectStore("cache");
          r.result.createObjectStore("queue");
        };
        r.onsuccess = function () { ok(r.result); };
        r.onerror = function () { bad(r.error); };
      });
    }
    return dbp;
  }
  function tx(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (ok, bad) {
        var t = d.transaction(store, mode);
        var out = fn(t.objectStore(store));
        t.oncomplete = function () { ok(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { bad(t.error); };
      });
    });
  }
  function put(store, key, val) { return tx(store, "readwrite", function (s) { s.put(val, key); }); }
  function get(store, key) { return tx(store, "readonly", function (s) { return s.get(key); }); }
  function del(store, key) { return tx(store, "readwrite", function (s) { s.delete(key); }); }
  function all(store) {
    return db().then(function (d) {
      return new Promise(function (ok, bad) {
        var items = [];
        var t = d.transaction(store, "readonly");
        var c = t.objectStore(store).openCursor();
        c.onsuccess = function () {
          var cur = c.result;
          if (cur) { items.push({ key: cur.key, value: cur.value }); cur.continue(); }
        };
        t.oncomplete = function () { ok(items); };
        t.onerror = function () { bad(t.error); };
      });
    });
  }
  // wipe forgets everything this phone keeps: data, queue and app files.
  function wipe() {
    var closing = dbp ? dbp.then(function (d) { d.close(); }) : Promise.resolve();
    dbp = null;
    return closing.then(function () {
      return new Promise(function (ok) {
        var r = indexedDB.deleteDatabase(DB);
        r.onsuccess = r.onerror = r.onblocked = function () { ok(); };
      });
    }).then(function () {
      return window.caches ? caches.keys().then(function (ks) { return Promise.all(ks.map(function (k) { return caches.delete(k); })); }) : null;
    });
  }

  // --- network -----------------------------------------------------------
  var signedOut = false;
  // signInAgain is what happens when the server no longer knows this
  // phone's sign-in (it ended, it is over 12 hours old, or the rep signed
  // out everywhere): the customers and leads kept here are deleted; the
  // rep's own unsent actions stay and go out after the next sign-in.
  function signInAgain() {
    signedOut = true;
    tx("cache", "readwrite", function (s) { s.clear(); }).catch(function () {});
    render([el("h1", {}, "Signed out"), el("p", {}, "Your session has ended. Sign in again to carry on; what you did meanwhile waits here."),
      el("a", { class: "btn", href: "/login?next=/m/" }, "Sign in")]);
  }
  // load reads JSON from the server and keeps a copy; offline (or when the
  // server cannot be reached) it answers with the copy, marked stale.
  function load(path) {
    return fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (res) {
      if (res.status === 401) { signInAgain(); throw new Error("signed out"); }
      return res.json().then(function (data) {
        if (!res.ok) { throw new Error(data.error || ("HTTP " + res.status)); }
        return put("cache", path, { data: data, at: Date.now() }).then(function () { return { data: data, fresh: true }; });
      });
    }).catch(function (err) {
      if (signedOut) { throw err; }
      return get("cache", path).then(function (hit) {
        if (hit) { return { data: hit.data, fresh: false, at: hit.at }; }
        throw err;
      });
    });
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function enqueue(action) {
    action.id = uid();
    action.at = new Date().toISOString();
    return put("queue", action.id, { action: action, state: "pending" }).then(function () {
      showQueue();
      return sync();
    });
  }
  var syncing = null;
  function sync() {
    if (syncing || !navigator.onLine || signedOut) { return syncing || Promise.resolve(); }
    syncing = all("queue").then(function (items) {
      var waiting = items.filter(function (i) { return i.value.state === "pending"; });
      if (!waiting.length) { return; }
      return fetch("/m/api/sync", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ actions: waiting.map(function (i) { return i.value.action; }) })
      }).then(function (res) {
        if (res.status === 401) { signInAgain(); return; }
        if (!res.ok) { return; }
        return res.json().then(function (out) {
          return Promise.all(out.results.map(function (r) {
            var item = waiting.filter(function (i) { return i.key === r.id; })[0];
            if (!item) { return null; }
            if (r.status === "done" || r.status === "already_done") { return del("queue", r.id); }
            return put("queue", r.id, { action: item.value.action, state: r.status, message: r.message });
          }));
        });
      });
    }).catch(function () { /* offline again: the queue waits */ }).then(function () {
      syncing = null;
      showQueue();
    });
    return syncing;
  }
  // showQueue tells how many actions wait, and lists those the server
  // refused (a conflict or a failure) until the rep dismisses them.
  function showQueue() {
    return all("queue").then(function (items) {
      var waiting = items.filter(function (i) { return i.value.state === "pending"; }).length;
      pendingEl.textContent = waiting ? waiting + " waiting to send" : "";
      var bad = items.filter(function (i) { return i.value.state !== "pending"; });
      attentionEl.hidden = !bad.length;
      attentionEl.textContent = "";
      bad.forEach(function (i) {
        var p = el("p", {}, describe(i.value.action) + ": " + (i.value.message || i.value.state) + " ");
        var b = el("button", { class: "ghost", type: "button" }, "Dismiss");
        b.addEventListener("click", function () { del("queue", i.key).then(showQueue); });
        p.appendChild(b);
        attentionEl.appendChild(p);
      });
    }).catch(function () {});
  }
  function describe(a) {
    return ({ log_call: "Call", log_visit: "Visit", note: "Note", complete_task: "Task done", move_stage: "Stage move",
      follow_up: "Follow-up task", new_lead: "New lead" })[a.kind] || a.kind;
  }
  function showNet() {
    netEl.textContent = navigator.onLine ? "online" : "offline";
    netEl.className = navigator.onLine ? "net" : "net off";
  }
  window.addEventListener("online", function () { showNet(); sync().then(route); });
  window.addEventListener("offline", showNet);

  // --- drawing -----------------------------------------------------------
  function el(tag, attrs) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) { continue; }
      if (Array.isArray(c)) { c.forEach(function (x) { if (x) { e.appendChild(x); } }); continue; }
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }
  function render(nodes) {
    view.textContent = "";
    nodes.forEach(function (n) { if (n) { view.appendChild(n); } });
  }
  function stale(r) {
    return r.fresh ? null : el("p", { class: "stale" }, "Offline: as of " + new Date(r.at).toLocaleString());
  }
  function button(label, fn, ghost) {
    var b = el("button", { type: "button", class: ghost ? "ghost" : "" }, label);
    b.addEventListener("click", fn);
    return b;
  }
  function failed(err) {
    if (signedOut) { return; }
    render([el("h1", {}, "Not available"), el("p", {}, navigator.onLine ? String(err.message || err) :
      "You are offline and this was not opened on this phone before.")]);
  }

  // --- views -------------------------------------------------------------
  function today() {
    load("/m/api/home").then(function (r) {
      var d = r.data;
      var tasks = d.tasks.map(function (t) {
        return el("li", { class: "card", "data-task": String(t.id) },
          el("div", {}, el("strong", {}, t.subject), t.overdue ? el("span", { class: "badge pend" }, " overdue") : null),
          t.customer ? el("a", { href: "#/c/" + t.customer_id }, t.customer) : null,
          el("div", { class: "row" }, button("Done", function (ev) {
            ev.target.disabled = true;
            enqueue({ kind: "complete_task", task_id: t.id }).then(function () { ev.target.textContent = "Done ✓"; });
          })));
      });
      var leads = d.leads.map(function (l) {
        return el("li", { class: "card" }, el("strong", {}, l.name || l.company), " ", el("span", { class: "badge" }, "score " + l.score),
          el("div", { class: "hint" }, l.company),
          el("div", { class: "row" }, l.phone ? el("a", { class: "btn ghost", href: "tel:" + l.phone }, "Call") : null,
            l.email ? el("a", { class: "btn ghost", href: "mailto:" + l.email }, "Email") : null));
      });
      var deals = d.deals.map(function (o) {
        var li = el("li", { class: "card", "data-deal": String(o.id) }, el("strong", {}, o.name), " ",
          el("span", { class: "badge" }, o.stage), el("div", { class: "hint" }, o.amount + (o.next_step ? " · next: " + o.next_step : "")),
          o.customer ? el("a", { href: "#/c/" + o.customer_id }, o.customer) : null);
        if (o.next_stage_id) {
          li.appendChild(el("div", { class: "row" }, button("Move to " + o.next_stage, function (ev) {
            ev.target.disabled = true;
            enqueue({ kind: "move_stage", deal_id: o.id, from_stage_id: o.stage_id, to_stage_id: o.next_stage_id })
              .then(function () { ev.target.textContent = "Moved to " + o.next_stage; });
          }, true)));
        }
        return li;
      });
      render([stale(r), el("h1", {}, "Today"),
        el("h2", {}, "Tasks and meetings"), tasks.length ? el("ul", { class: "list" }, tasks) : el("p", { class: "hint" }, "Nothing due."),
        el("h2", {}, "My leads"), leads.length ? el("ul", { class: "list" }, leads) : el("p", { class: "hint" }, "No open leads."),
        el("h2", {}, "My open deals"), deals.length ? el("ul", { class: "list" }, deals) : el("p", { class: "hint" }, "No open deals.")]);
    }).catch(failed);
  }

  function search() {
    var input = el("input", { type: "search", placeholder: "Name, email or phone", "aria-label": "Search customers", id: "q" });
    var results = el("ul", { class: "list", id: "results" });
    var timer = null;
    function show(items) {
      results.textContent = "";
      items.forEach(function (c) {
        results.appendChild(el("li", {}, el("a", { class: "item", href: "#/c/" + c.id }, c.name, " ", el("span", { class: "badge" }, c.stage || ""))));
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (input.value.trim().length < 2) { recent().then(show); return; }
        load("/m/api/customers?q=" + encodeURIComponent(input.value.trim())).then(function (r) { show(r.data); }).catch(function () {
          recent().then(function (items) {
            var q = input.value.trim().toLowerCase();
            show(items.filter(function (c) { return c.name.toLowerCase().indexOf(q) >= 0; }));
          });
        });
      }, 250);
    });
    render([el("h1", {}, "Customers"), input, el("h2", {}, "Recently viewed"), results]);
    recent().then(show);
    input.focus();
  }
  function recent() {
    return get("cache", "recent").then(function (r) { return (r && r.data) || []; });
  }
  function remember(c) {
    return recent().then(function (items) {
      items = [{ id: c.id, name: c.name, stage: c.stage }].concat(items.filter(function (x) { return x.id !== c.id; })).slice(0, 30);
      return put("cache", "recent", { data: items, at: Date.now() });
    });
  }

  function card(id) {
    load("/m/api/customers/" + id).then(function (r) {
      var c = r.data;
      remember(c);
      var note = el("textarea", { rows: "3", placeholder: "What was said, what comes next", id: "note", "aria-label": "Note" });
      var due = el("input", { type: "date", id: "due", "aria-label": "Follow-up date" });
      function log(kind) {
        return function (ev) {
          var text = note.value.trim();
          if (!text && kind !== "log_call") { note.focus(); return; }
          ev.target.disabled = true;
          enqueue({ kind: kind, customer_id: c.id, text: text, due: due.value }).then(function () {
            note.value = "";
            ev.target.disabled = false;
            logged.textContent = describe({ kind: kind }) + (navigator.onLine ? " saved." : " saved on this phone; it is sent when you are back online.");
          });
        };
      }
      var logged = el("p", { class: "hint", id: "logged", role: "status" });
      var contact = el("div", { class: "row" },
        c.phones.map(function (p) { return el("a", { class: "btn", href: "tel:" + p }, "Call " + p); }),
        c.emails.map(function (e) { return el("a", { class: "btn ghost", href: "mailto:" + e }, "Email"); }),
        c.map_url ? el("a", { class: "btn ghost", href: c.map_url, target: "_blank", rel: "noopener" }, "Directions") : null);
      render([stale(r), el("h1", {}, c.name), el("p", { class: "hint" }, c.stage + (c.loyalty_tier ? " · " + c.loyalty_tier + " member" : "") +
          (c.loyalty_points ? " · " + c.loyalty_points + " points" : "")),
        contact, c.address ? el("p", { class: "hint" }, c.address) : null,
        c.next_offer ? el("div", { class: "card" }, el("strong", {}, "Next offer: " + c.next_offer), el("div", { class: "hint" }, c.next_offer_reason)) : null,
        el("h2", {}, "Log"), note, el("div", { class: "row" }, button("Log call", log("log_call")), button("Log visit", log("log_visit"), true),
          button("Add note", log("note"), true)),
        el("label", {}, "Follow-up on ", due), button("Create follow-up task", log("follow_up"), true), logged,
        c.open_cases.length ? el("h2", {}, "Open cases") : null,
        c.open_cases.length ? el("ul", { class: "list" }, c.open_cases.map(function (s) { return el("li", { class: "card" }, s); })) : null,
        el("h2", {}, "Recently"),
        el("ul", { class: "list", id: "timeline" }, c.timeline.map(function (e) {
          return el("li", { class: "card" }, el("div", {}, el("strong", {}, e.title)), el("div", { class: "hint" }, new Date(e.at).toLocaleString()),
            e.body ? el("div", {}, e.body) : null);
        }))]);
    }).catch(failed);
  }

  function newLead() {
    var f = {};
    var fields = [["first_name", "First name"], ["last_name", "Last name"], ["company", "Company"], ["email", "Email", "email"], ["phone", "Phone", "tel"]];
    var form = el("form", { id: "lead-form" }, fields.map(function (x) {
      f[x[0]] = el("input", { name: x[0], type: x[2] || "text", autocomplete: "off" });
      return el("label", {}, x[1], f[x[0]]);
    }), el("button", { type: "submit" }, "Save lead"));
    var done = el("p", { class: "hint", role: "status" });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var lead = {};
      Object.keys(f).forEach(function (k) { lead[k] = f[k].value.trim(); });
      if (!lead.first_name && !lead.last_name && !lead.company) { f.first_name.focus(); return; }
      enqueue({ kind: "new_lead", lead: lead }).then(function () {
        form.reset();
        done.textContent = "Lead saved" + (navigator.onLine ? "." : " on this phone; it is sent when you are back online.");
      });
    });
    render([el("h1", {}, "New lead"), el("p", { class: "hint" }, "From a business card or a conversation."), form, done]);
  }

  function more() {
    render([el("h1", {}, "More"), el("p", {}, el("a", { class: "btn ghost", href: "/" }, "Open the full SCRMS")),
      el("p", {}, button("Sign out of this phone", function () {
        wipe().then(function () {
          return fetch("/logout", { method: "POST", credentials: "same-origin" });
        }).catch(function () {}).then(function () { location.href = "/login"; });
      })),
      el("p", { class: "hint" }, "Signing out deletes the customers, leads and actions kept on this phone.")]);
  }

  function route() {
    if (signedOut) { return; }
    var h = location.hash || "#/";
    var m = /^#\/c\/(\d+)$/.exec(h);
    if (m) { card(m[1]); } else if (h === "#/search") { search(); } else if (h === "#/lead") { newLead(); } else if (h === "#/more") { more(); } else { today(); }
  }
  window.addEventListener("hashchange", route);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(function () {});
  }
  showNet();
  showQueue();
  sync();
  route();
  // The scripts of the tests, and the curious, can reach these.
  window.scrmsMobile = { sync: sync, wipe: wipe, queue: function () { return all("queue"); } };
})();
