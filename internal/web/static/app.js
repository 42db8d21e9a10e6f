// SCRMS progressive enhancement. Every page works without this file.
(function () {
  "use strict";
  // Forms with data-confirm ask before they submit (delete, revoke).
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    var msg = f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  });
  // Filter selects marked data-autosubmit apply as soon as they change.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.form && el.hasAttribute("data-autosubmit")) {
      el.form.requestSubmit();
    }
  });
  // The person/organisation switch shows only the fields of the chosen kind.
  function syncKind(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    if (!checked) { return; }
    form.querySelectorAll("[data-kind]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kind") !== checked.value;
    });
  }
  document.querySelectorAll("form[data-customer-form]").forEach(function (f) {
    syncKind(f);
    f.addEventListener("change", function (ev) {
      if (ev.target.name === "kind") { syncKind(f); }
    });
  });
  // "/" focuses the global search box, as in most web apps.
  document.addEventListener("keydown", function (ev) {
    var t = ev.target.tagName;
    if (ev.key === "/" && t !== "INPUT" && t !== "TEXTAREA" && t !== "SELECT") {
      var s = document.getElementById("global-search");
      if (s) { ev.preventDefault(); s.focus(); }
    }
  });
  // An import's progress page follows the import live (server-sent events)
  // and shows the report when it ends.
  var prog = document.querySelector("[data-import-events]");
  if (prog && window.EventSource) {
    var running = ["queued", "running"];
    if (running.indexOf(prog.querySelector("[data-field=status]").textContent) >= 0) {
      var es = new EventSource(prog.getAttribute("data-import-events"));
      es.onmessage = function (ev) {
        var st = JSON.parse(ev.data);
        ["status", "rows", "imported", "updated", "skipped", "rejected"].forEach(function (k) {
          var el = prog.querySelector("[data-field=" + k + "]");
          if (el) { el.textContent = String(st[k]); }
        });
        var bar = prog.querySelector("progress");
        if (bar) { bar.value = st.progress; bar.textContent = Math.round(st.progress * 100) + "%"; }
        if (running.indexOf(st.status) < 0) { es.close(); window.location.reload(); }
      };
    }
  }
})();
