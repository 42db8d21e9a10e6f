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
  // A case page asks every 20 seconds who else has the case open.
  var viewersBox = document.querySelector("[data-viewers]");
  if (viewersBox && window.fetch) {
    setInterval(function () {
      fetch(viewersBox.getAttribute("data-viewers"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (t) { viewersBox.textContent = t; viewersBox.hidden = t === ""; })
        .catch(function () {});
    }, 20000);
  }
  // "Insert link in reply" puts a help-centre link at the reply's cursor.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-insert-link]");
    if (!b) { return; }
    var ta = document.getElementById(b.getAttribute("data-target"));
    if (!ta) { return; }
    var link = b.getAttribute("data-insert-link");
    var at = ta.selectionStart || ta.value.length;
    ta.value = ta.value.slice(0, at) + link + ta.value.slice(at);
    ta.focus();
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
  // The pipeline board: drag a card to another column with the mouse or a
  // finger (pointer events), save the move at once, and follow the moves of
  // others live (server-sent events). Column counts and totals follow.
  var board = document.getElementById("board");
  if (board) {
    var status = document.getElementById("board-status");
    var currency = board.getAttribute("data-currency");
    var say = function (msg) { if (status) { status.textContent = msg; } };
    var fmt = function (cents) {
      var whole = Math.floor(Math.abs(cents) / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
      var frac = ("0" + (Math.abs(cents) % 100)).slice(-2);
      return (cents < 0 ? "-" : "") + whole + "." + frac + (currency ? " " + currency : "");
    };
    var totals = function () {
      board.querySelectorAll(".column").forEach(function (col) {
        var sum = 0, n = 0;
        col.querySelectorAll(".deal").forEach(function (d) { sum += Number(d.getAttribute("data-amount")); n++; });
        var prob = Number(col.getAttribute("data-probability"));
        col.querySelector("[data-count]").textContent = String(n);
        col.querySelector("[data-total]").textContent = fmt(sum);
        col.querySelector("[data-weighted]").textContent = fmt(Math.floor(sum * prob / 100));
      });
    };
    var columnOf = function (stageId) {
      return board.querySelector('.column[data-stage-id="' + stageId + '"]');
    };
    var place = function (el, col) {
      var cards = col.querySelector(".cards");
      cards.insertBefore(el, cards.firstChild);
    };
    var cardFor = function (c) {
      var el = board.querySelector('.deal[data-id="' + c.id + '"]');
      if (!el) {
        el = document.createElement("article");
        el.className = "deal";
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-id", String(c.id));
        el.innerHTML = '<strong data-name></strong><div data-customer></div>' +
          '<div class="deal-meta"><span data-money></span> <span class="hint" data-owner></span></div>';
      }
      el.querySelector("[data-name]").textContent = c.name;
      el.querySelector("[data-customer]").textContent = c.customer;
      el.querySelector("[data-money]").textContent = c.money;
      el.querySelector("[data-owner]").textContent = c.owner;
      el.setAttribute("data-amount", String(c.amount));
      el.setAttribute("data-updated", c.updated_at);
      return el;
    };
    var apply = function (c) {
      var el = board.querySelector('.deal[data-id="' + c.id + '"]');
      if (el && el.getAttribute("data-updated") > c.updated_at) { return; } // an older state
      var col = String(c.pipeline_id) === board.getAttribute("data-pipeline") ? columnOf(c.stage_id) : null;
      if (!col) { if (el) { el.remove(); } return; }
      var moved = !el || el.closest(".column") !== col;
      el = cardFor(c);
      if (moved && !el.classList.contains("dragging")) {
        place(el, col);
        el.classList.remove("flash-moved"); void el.offsetWidth; el.classList.add("flash-moved");
      }
    };
    if (window.EventSource) {
      var es = new EventSource(board.getAttribute("data-events"));
      es.onmessage = function (ev) { JSON.parse(ev.data).forEach(apply); totals(); };
    }
    if (board.hasAttribute("data-writable")) {
      var drag = null;
      var targetAt = function (x, y) {
        var el = document.elementFromPoint(x, y);
        return el ? el.closest(".column") : null;
      };
      board.addEventListener("pointerdown", function (ev) {
        var el = ev.target.closest(".deal");
        if (!el || ev.button > 0) { return; }
        drag = { el: el, from: el.closest(".column"), x: ev.clientX, y: ev.clientY, started: false, id: ev.pointerId };
        el.setPointerCapture(ev.pointerId);
      });
      board.addEventListener("pointermove", function (ev) {
        if (!drag || ev.pointerId !== drag.id) { return; }
        if (!drag.started) {
          if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) < 6) { return; }
          var r = drag.el.getBoundingClientRect();
          drag.dx = drag.x - r.left; drag.dy = drag.y - r.top;
          drag.ghost = drag.el.cloneNode(true);
          drag.ghost.classList.add("dragging");
          drag.ghost.style.width = r.width + "px";
          document.body.appendChild(drag.ghost);
          drag.el.classList.add("placeholder");
          drag.started = true;
        }
        // Near the board's left or right edge, the board scrolls, so that a
        // column off screen on a phone can be reached.
        var br = board.getBoundingClientRect();
        if (ev.clientX > br.right - 40) { board.scrollLeft += 12; }
        if (ev.clientX < br.left + 40) { board.scrollLeft -= 12; }
        drag.ghost.style.left = (ev.clientX - drag.dx) + "px";
        drag.ghost.style.top = (ev.clientY - drag.dy) + "px";
        var over = targetAt(ev.clientX, ev.clientY);
        board.querySelectorAll(".column.drop-target").forEach(function (c) { if (c !== over) { c.classList.remove("drop-target"); } });
        if (over) { over.classList.add("drop-target"); }
        ev.preventDefault();
      });
      var end = function (ev) {
        if (!drag || ev.pointerId !== drag.id) { return; }
        var d = drag;
        drag = null;
        board.querySelectorAll(".column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
        if (!d.started) {
          // A tap or click without a drag opens the deal.
          if (ev.type === "pointerup") { window.location.href = "/opportunities/" + d.el.getAttribute("data-id"); }
          return;
        }
        d.ghost.remove();
        d.el.classList.remove("placeholder");
        var to = ev.type === "pointerup" ? targetAt(ev.clientX, ev.clientY) : null;
        if (!to || to === d.from) { return; }
        place(d.el, to);
        d.el.classList.add("saving");
        totals();
        say("Saving…");
        var body = new URLSearchParams();
        body.set("stage_id", to.getAttribute("data-stage-id"));
        fetch("/opportunities/" + d.el.getAttribute("data-id") + "/move", {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (res) {
          return res.json().then(function (data) { return { ok: res.ok, data: data }; });
        }).then(function (r) {
          d.el.classList.remove("saving");
          if (!r.ok) { throw new Error(r.data.error || "not saved"); }
          apply(r.data);
          say("Moved " + r.data.name + " to " + to.getAttribute("aria-label") + ".");
        }).catch(function (err) {
          d.el.classList.remove("saving");
          place(d.el, d.from);
          totals();
          say("The move was not saved: " + err.message);
        });
      };
      board.addEventListener("pointerup", end);
      board.addEventListener("keydown", function (ev) {
        var el = ev.target.closest && ev.target.closest(".deal");
        if (el && ev.key === "Enter") { window.location.href = "/opportunities/" + el.getAttribute("data-id"); }
      });
      board.addEventListener("pointercancel", end);
    }
  }

  // Live chats: the agents' list redraws when chats change; a chat page
  // streams the visitor's lines and typing, and sends answers in place.
  var lobby = document.querySelector("[data-chat-lobby]");
  if (lobby && window.EventSource) {
    var les = new EventSource(lobby.getAttribute("data-chat-lobby"));
    les.addEventListener("changed", function () { window.location.reload(); });
  }
  var chat = document.querySelector("[data-chat]");
  if (chat && window.EventSource) {
    var chatLog = document.getElementById("chat-log");
    var typingEl = document.getElementById("chat-typing");
    var seenLine = function (id) { return chatLog.querySelector('[data-line="' + id + '"]'); };
    var ces = new EventSource(chat.getAttribute("data-events"));
    ces.addEventListener("line", function (e) {
      var l = JSON.parse(e.data);
      if (seenLine(l.id)) { return; }
      var d = document.createElement("div");
      d.className = "chat-line chat-" + l.author;
      d.setAttribute("data-line", String(l.id));
      if (l.author !== "system") {
        var who = document.createElement("span");
        who.className = "who";
        who.textContent = l.name + " · " + l.at.slice(11, 16);
        d.appendChild(who);
      }
      var t = document.createElement("span");
      t.className = "text";
      t.textContent = l.body;
      d.appendChild(t);
      chatLog.appendChild(d);
      chatLog.scrollTop = chatLog.scrollHeight;
    });
    ces.addEventListener("typing", function (e) {
      var st = JSON.parse(e.data);
      typingEl.textContent = st.visitor ? st.name + " is typing…" : "";
    });
    ces.addEventListener("status", function (e) {
      var st = JSON.parse(e.data);
      if (st.status !== chat.getAttribute("data-status")) {
        chat.setAttribute("data-status", st.status);
        var accept = document.getElementById("chat-accept");
        if (accept && st.status !== "waiting") { accept.hidden = true; }
        if (st.status === "ended") { ces.close(); window.location.reload(); }
      }
    });
    var reply = document.getElementById("chat-reply");
    if (reply) {
      var ta = reply.querySelector("textarea");
      var lastTyped = 0;
      ta.addEventListener("input", function () {
        if (Date.now() - lastTyped < 2000) { return; }
        lastTyped = Date.now();
        fetch(reply.getAttribute("action").replace(/messages$/, "typing"), { method: "POST", credentials: "same-origin" });
      });
      ta.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); reply.requestSubmit(); }
      });
      reply.addEventListener("submit", function (ev) {
        ev.preventDefault();
        if (!ta.value.trim()) { return; }
        var body = new URLSearchParams();
        body.set("body", ta.value);
        fetch(reply.getAttribute("action"), {
          method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
        }).then(function (res) {
          return res.json().then(function (data) { return { ok: res.ok, data: data }; });
        }).then(function (r) {
          document.getElementById("chat-error").textContent = r.ok ? "" : r.data.error;
          if (r.ok) { ta.value = ""; lastTyped = 0; }
        });
      });
    }
  }

  // The segment form counts the matching customers as the rules change.
  var segText = document.querySelector("[data-segment-preview]");
  if (segText) {
    var segOut = document.getElementById("sg-count");
    var segTimer = null;
    segText.addEventListener("input", function () {
      clearTimeout(segTimer);
      segTimer = setTimeout(function () {
        var body = new URLSearchParams();
        body.set("text", segText.value);
        fetch(segText.getAttribute("data-segment-preview"), { method: "POST", body: body, credentials: "same-origin" })
          .then(function (res) { return res.json(); })
          .then(function (r) {
            segOut.textContent = r.error ? r.error : r.count + " customers" +
              (r.sample && r.sample.length ? ", e.g. " + r.sample.join(", ") : "");
          });
      }, 300);
    });
  }
})();

// The dashboard: its figures come again from the server whenever they
// change, and the widgets are rewritten in place.
(function () {
  var root = document.querySelector("[data-dashboard]");
  if (!root || !window.EventSource) { return; }
  var pick = function (d, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? undefined : o[k]; }, d);
  };
  var show = function (v, format) {
    if (v === undefined || v === null) { return "–"; }
    if (format === "money") { return Number(v).toFixed(2); }
    if (format === "percent") { return Math.round(100 * v) + "%"; }
    if (format === "score") { return Number(v).toFixed(1); }
    return String(v);
  };
  var spark = function (trend) {
    if (!trend || !trend.length) { return ""; }
    var lo = 0, hi = 0;
    trend.forEach(function (p) { lo = Math.min(lo, p.value); hi = Math.max(hi, p.value); });
    if (hi === lo) { hi = lo + 1; }
    return trend.map(function (p, i) {
      var x = 300 * i / Math.max(trend.length - 1, 1), y = 58 - 56 * (p.value - lo) / (hi - lo);
      return x.toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
  };
  var es = new EventSource(root.getAttribute("data-dashboard"));
  es.addEventListener("dashboard", function (ev) {
    var d = JSON.parse(ev.data);
    root.querySelectorAll("[data-kpi]").forEach(function (el) {
      var text = show(pick(d, el.getAttribute("data-kpi")), el.getAttribute("data-format"));
      if (el.textContent !== text) {
        el.textContent = text;
        el.classList.remove("flash-moved"); void el.offsetWidth; el.classList.add("flash-moved");
      }
    });
    root.querySelectorAll("[data-spark]").forEach(function (el) {
      el.setAttribute("points", spark(pick(d, el.getAttribute("data-spark"))));
    });
    root.querySelectorAll("[data-change]").forEach(function (el) {
      var now = pick(d, el.getAttribute("data-change")), last = pick(d, el.getAttribute("data-change") + "_last");
      el.textContent = last ? ((now - last) / last * 100 >= 0 ? "+" : "") + Math.round((now - last) / last * 100) + "% vs last month" : "";
    });
  });
})();

// The report builder: another record type brings its own fields.
(function () {
  var src = document.querySelector("[data-autosubmit]");
  if (!src) { return; }
  src.addEventListener("change", function () {
    window.location.href = "/reports?source=" + encodeURIComponent(src.value);
  });
})();

// The email designer: the template's blocks as cards to add, fill in,
// drag (or move with the arrow buttons) and delete; the text form the
// server reads is written from the cards as they change.
(function () {
  var area = document.getElementById("t-design");
  if (!area) { return; }
  var kinds = [["heading", "Heading"], ["text", "Text"], ["image", "Image"], ["button", "Button"], ["offer", "Offer"],
    ["products", "Recommended products"], ["divider", "Divider"]];
  var parse = function (text) {
    var out = [], para = [];
    var flush = function () {
      var body = para.join("\n").replace(/^\n+|\n+$/g, "");
      if (body.trim()) { out.push({ type: "text", text: body }); }
      para = [];
    };
    text.replace(/\r\n/g, "\n").split("\n").forEach(function (line) {
      var t = line.trim(), m;
      if (t.indexOf("# ") === 0) { flush(); out.push({ type: "heading", text: t.slice(2).trim() }); return; }
      if (t === "---") { flush(); out.push({ type: "divider" }); return; }
      if ((m = /^\[(\w+)\s*(.*?)\]$/.exec(t))) {
        flush();
        var parts = m[2].split("|"), a = (parts[0] || "").trim(), b = parts.slice(1).join("|").trim();
        if (m[1] === "image") { out.push({ type: "image", url: a, alt: b }); return; }
        if (m[1] === "products") {
          var c = /^(\d+)\s*(.*)$/.exec(a) || [null, "3", a];
          out.push({ type: "products", count: c[1], text: c[2], url: b });
          return;
        }
        out.push({ type: m[1], text: a, url: b });
        return;
      }
      para.push(line);
    });
    flush();
    return out;
  };
  var format = function (blocks) {
    return blocks.map(function (b) {
      switch (b.type) {
        case "heading": return "# " + (b.text || "");
        case "divider": return "---";
        case "image": return "[image " + (b.url || "") + " | " + (b.alt || "") + "]";
        case "button": case "offer": return "[" + b.type + " " + (b.text || "") + " | " + (b.url || "") + "]";
        case "products": return "[products " + (b.count || "3") + (b.text ? " " + b.text : "") + " | " + (b.url || "") + "]";
      }
      return b.text || "";
    }).join("\n") + "\n";
  };
  var blocks = parse(area.value);
  var box = document.createElement("div");
  box.className = "designer";
  box.setAttribute("aria-label", "Email blocks");
  var list = document.createElement("ol");
  list.className = "blocks";
  var palette = document.createElement("div");
  palette.className = "palette";
  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "secondary";
  toggle.textContent = "Edit as text";
  area.parentNode.insertBefore(box, area);
  box.appendChild(palette);
  box.appendChild(list);
  area.hidden = true;
  area.parentNode.insertBefore(toggle, area.nextSibling);
  toggle.addEventListener("click", function () {
    area.hidden = !area.hidden;
    box.hidden = !area.hidden;
    toggle.textContent = area.hidden ? "Edit as text" : "Edit as blocks";
    if (area.hidden) { blocks = parse(area.value); draw(); }
  });
  var save = function () { area.value = format(blocks); };
  var field = function (b, key, label, type) {
    var l = document.createElement("label");
    l.textContent = label;
    var input = document.createElement(type === "textarea" ? "textarea" : "input");
    if (type !== "textarea") { input.type = type || "text"; } else { input.rows = 3; }
    input.value = b[key] || "";
    input.setAttribute("data-field", key);
    input.addEventListener("input", function () { b[key] = input.value; save(); });
    l.appendChild(input);
    return l;
  };
  var move = function (from, to) {
    if (to < 0 || to >= blocks.length || from === to) { return; }
    var b = blocks.splice(from, 1)[0];
    blocks.splice(to, 0, b);
    save();
    draw();
  };
  var draw = function () {
    list.textContent = "";
    blocks.forEach(function (b, i) {
      var li = document.createElement("li");
      li.className = "block card";
      li.setAttribute("data-type", b.type);
      var head = document.createElement("div");
      head.className = "block-head";
      var grip = document.createElement("span");
      grip.className = "grip";
      grip.textContent = "⠿ " + (kinds.filter(function (k) { return k[0] === b.type; })[0] || [b.type, b.type])[1];
      grip.title = "Drag to move";
      head.appendChild(grip);
      [["↑", i - 1, "Move up"], ["↓", i + 1, "Move down"]].forEach(function (m) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.className = "secondary";
        btn.textContent = m[0];
        btn.setAttribute("aria-label", m[2]);
        btn.addEventListener("click", function () { move(i, m[1]); });
        head.appendChild(btn);
      });
      var del = document.createElement("button");
      del.type = "button";
      del.className = "secondary";
      del.textContent = "Remove";
      del.addEventListener("click", function () { blocks.splice(i, 1); save(); draw(); });
      head.appendChild(del);
      li.appendChild(head);
      switch (b.type) {
        case "heading": li.appendChild(field(b, "text", "Heading")); break;
        case "text": li.appendChild(field(b, "text", "Text ({{first_name}} and other fields work)", "textarea")); break;
        case "image": li.appendChild(field(b, "url", "Image address", "url")); li.appendChild(field(b, "alt", "Description")); break;
        case "button": case "offer": li.appendChild(field(b, "text", b.type === "offer" ? "Offer" : "Label"));
          li.appendChild(field(b, "url", "Link", "url")); break;
        case "products": li.appendChild(field(b, "count", "How many (1-6)", "number")); li.appendChild(field(b, "text", "Title"));
          li.appendChild(field(b, "url", "Product page, with {sku}")); break;
      }
      // Dragging by the grip, with a mouse or a finger.
      grip.addEventListener("pointerdown", function (ev) {
        ev.preventDefault();
        grip.setPointerCapture(ev.pointerId);
        li.classList.add("dragging");
        var over = i;
        var onMove = function (e) {
          var items = Array.prototype.slice.call(list.children);
          over = items.length - 1;
          for (var k = 0; k < items.length; k++) {
            var r = items[k].getBoundingClientRect();
            if (e.clientY < r.top + r.height / 2) { over = k; break; }
          }
        };
        var onUp = function () {
          grip.removeEventListener("pointermove", onMove);
          grip.removeEventListener("pointerup", onUp);
          li.classList.remove("dragging");
          move(i, over > i ? over - 1 : over);
        };
        grip.addEventListener("pointermove", onMove);
        grip.addEventListener("pointerup", onUp);
      });
      list.appendChild(li);
    });
  };
  kinds.forEach(function (k) {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "secondary";
    btn.textContent = "+ " + k[1];
    btn.setAttribute("data-add", k[0]);
    btn.addEventListener("click", function () {
      var b = { type: k[0] };
      if (k[0] === "products") { b.count = "3"; b.text = "Picked for you"; }
      blocks.push(b);
      save();
      draw();
      var last = list.lastChild && list.lastChild.querySelector("input, textarea");
      if (last) { last.focus(); }
    });
    palette.appendChild(btn);
  });
  save();
  draw();
})();

// The journey step editor: the steps as cards to add, fill in, move and
// remove; the hidden "steps" field carries them to the server as JSON.
(function () {
  var root = document.getElementById("step-editor");
  var field = document.getElementById("j-steps");
  if (!root || !field) { return; }
  var steps = [];
  try { steps = JSON.parse(field.value || "[]") || []; } catch (e) { steps = []; }
  var templates = [];
  try { templates = JSON.parse(root.getAttribute("data-templates") || "[]"); } catch (e) { templates = []; }
  var labels = { wait: "Wait", email: "Send an email", tag: "Add a tag", stage: "Change the stage", task: "Task for the owner",
    condition: "Only if…", split: "Split (A/B)", goto: "Go to step…", webhook: "Call the webhooks" };
  var save = function () {
    field.value = JSON.stringify(steps);
    field.dispatchEvent(new Event("steps-change"));
  };
  // The canvas changed the steps (a branch dragged to another step).
  field.addEventListener("steps-set", function () {
    try { steps = JSON.parse(field.value || "[]") || []; } catch (e) { return; }
    draw();
  });
  var input = function (s, key, label, type, opts) {
    var l = document.createElement("label");
    l.textContent = label + " ";
    var el;
    if (opts) {
      el = document.createElement("select");
      opts.forEach(function (o) {
        var op = document.createElement("option");
        op.value = String(o[0]);
        op.textContent = o[1];
        if (String(s[key] || "") === String(o[0])) { op.selected = true; }
        el.appendChild(op);
      });
    } else {
      el = document.createElement("input");
      el.type = type || "text";
      el.value = s[key] === undefined ? "" : s[key];
    }
    el.setAttribute("data-field", key);
    el.addEventListener("input", function () {
      s[key] = (type === "number" || key === "template_id") ? Number(el.value) || 0 : el.value;
      save();
    });
    el.addEventListener("change", function () {
      s[key] = (type === "number" || key === "template_id") ? Number(el.value) || 0 : el.value;
      save();
    });
    l.appendChild(el);
    return l;
  };
  var list = document.createElement("ol");
  list.className = "blocks steps";
  var draw = function () {
    list.textContent = "";
    steps.forEach(function (s, i) {
      var li = document.createElement("li");
      li.className = "block card";
      li.setAttribute("data-type", s.type);
      var head = document.createElement("div");
      head.className = "block-head";
      var title = document.createElement("span");
      title.className = "grip";
      title.textContent = (i + 1) + ". " + (labels[s.type] || s.type);
      head.appendChild(title);
      [["↑", i - 1, "Move up"], ["↓", i + 1, "Move down"]].forEach(function (m) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "secondary";
        b.textContent = m[0];
        b.setAttribute("aria-label", m[2]);
        b.addEventListener("click", function () {
          if (m[1] < 0 || m[1] >= steps.length) { return; }
          steps.splice(m[1], 0, steps.splice(i, 1)[0]);
          save();
          draw();
        });
        head.appendChild(b);
      });
      var del = document.createElement("button");
      del.type = "button";
      del.className = "secondary";
      del.textContent = "Remove";
      del.addEventListener("click", function () { steps.splice(i, 1); save(); draw(); });
      head.appendChild(del);
      li.appendChild(head);
      switch (s.type) {
        case "wait": li.appendChild(input(s, "minutes", "Minutes", "number")); break;
        case "email": li.appendChild(input(s, "template_id", "Template", null,
          [[0, "—"]].concat(templates.map(function (t) { return [t.id, t.name]; })))); break;
        case "tag": li.appendChild(input(s, "value", "Tag")); break;
        case "stage": li.appendChild(input(s, "value", "Stage")); break;
        case "task": li.appendChild(input(s, "value", "Subject")); li.appendChild(input(s, "due_days", "Due in days", "number")); break;
        case "condition": li.appendChild(input(s, "rule", "Rules")); li.appendChild(input(s, "else_goto", "Otherwise go to step (0: end)", "number")); break;
        case "split": li.appendChild(input(s, "percent", "Percent going on (A)", "number"));
          li.appendChild(input(s, "else_goto", "The others (B) go to step (0: end)", "number")); break;
        case "goto": li.appendChild(input(s, "goto", "Go to step (0: end)", "number")); break;
        case "webhook": li.appendChild(input(s, "value", "Label")); break;
      }
      list.appendChild(li);
    });
  };
  var palette = document.createElement("div");
  palette.className = "palette";
  Object.keys(labels).forEach(function (t) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = "+ " + labels[t];
    b.setAttribute("data-add-step", t);
    b.addEventListener("click", function () {
      var s = { type: t };
      if (t === "wait") { s.minutes = 1440; }
      if (t === "task") { s.due_days = 2; }
      if (t === "split") { s.percent = 50; }
      steps.push(s);
      save();
      draw();
    });
    palette.appendChild(b);
  });
  root.className = "designer";
  root.appendChild(list);
  root.appendChild(palette);
  draw();
})();

// The journey canvas: the steps drawn as a flow in SVG, "yes" going down and
// each condition's "no" taking a branch on the right to the step it jumps
// to (or the end), with the customers waiting at each step. With the editor
// on the page, a condition's handle dragged onto a step sets where its "no"
// goes, and a click on a step opens its card.
(function () {
  var fig = document.getElementById("journey-canvas");
  if (!fig || !document.createElementNS) { return; }
  var field = document.getElementById("j-steps");
  var NS = "http://www.w3.org/2000/svg";
  var parse = function (s, d) { try { return JSON.parse(s) || d; } catch (e) { return d; } };
  var templates = parse(fig.getAttribute("data-templates"), []);
  var waiting = parse(fig.getAttribute("data-waiting"), {});
  var steps = function () { return parse(field ? field.value : fig.getAttribute("data-steps"), []); };
  var W = 340, H = 44, X = 12, GAP = 30, TOP = 8;
  var top = function (i) { return TOP + i * (H + GAP); };
  var name = function (id) {
    for (var i = 0; i < templates.length; i++) { if (templates[i].id === id) { return templates[i].name; } }
    return "template " + id;
  };
  var say = function (s) {
    var m = s.minutes || 0;
    switch (s.type) {
      case "wait": return m % 1440 === 0 ? "Wait " + m / 1440 + " days" : m % 60 === 0 ? "Wait " + m / 60 + " hours" : "Wait " + m + " minutes";
      case "email": return "Send the email " + name(s.template_id);
      case "tag": return "Add the tag " + (s.value || "…");
      case "stage": return "Move to the stage " + (s.value || "…");
      case "task": return "Task for the owner: " + (s.value || "…");
      case "condition": return "Only if " + (s.rule || "…");
      case "goto": return s.goto ? "Go to step " + s.goto : "End the journey";
      case "split": return "Split: " + (s.percent || 0) + "% go on (A), the others (B) branch";
      case "webhook": return "Call the webhooks: " + (s.value || "…");
    }
    return s.type;
  };
  var el = function (tag, attrs, parent, text) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  };
  var svg = null;
  var draw = function () {
    var ss = steps();
    var n = ss.length;
    var branching = function (s) { return s.type === "condition" || s.type === "split" || s.type === "goto"; };
    var conds = ss.filter(branching).length;
    var width = X + W + 40 + conds * 22 + 24;
    var height = top(n + 2);
    var fresh = el("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "group",
      "aria-label": "The journey as a flow", "class": "flow-canvas" });
    var defs = el("defs", {}, fresh);
    var mk = el("marker", { id: "flow-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
      orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", "class": "arrow-head" }, mk);
    // Edges first, under the nodes.
    for (var i = 0; i <= n; i++) {
      var cx = X + W / 2;
      if (i >= 1 && ss[i - 1].type === "goto") { continue; } // a jump never goes on down
      el("line", { x1: cx, y1: top(i) + H, x2: cx, y2: top(i + 1) - 2, "class": "edge", "marker-end": "url(#flow-arrow)" }, fresh);
      if (i >= 1 && (ss[i - 1].type === "condition" || ss[i - 1].type === "split")) {
        el("text", { x: cx + 6, y: top(i) + H + GAP / 2 + 4, "class": "edge-label" }, fresh, ss[i - 1].type === "split" ? "A" : "yes");
      }
    }
    var lane = 0;
    ss.forEach(function (s, k) {
      if (!branching(s)) { return; }
      var from = k + 1;
      var target = s.type === "goto" ? s.goto : s.else_goto;
      var to = target >= 1 && target <= n ? target : n + 1;
      var lx = X + W + 24 + lane * 22;
      lane++;
      var y1 = top(from) + H / 2, y2 = top(to) + H / 2 + 6;
      el("path", { d: "M" + (X + W) + "," + y1 + " H" + lx + " V" + y2 + " H" + (X + W + 2),
        "class": s.type === "goto" ? "edge branch jump" : "edge branch",
        "marker-end": "url(#flow-arrow)", "data-branch": from, "data-to": to }, fresh);
      el("text", { x: X + W + 6, y: y1 - 5, "class": "edge-label" }, fresh, { "goto": "then", split: "B" }[s.type] || "no");
    });
    for (var j = 0; j <= n + 1; j++) {
      var kind = j === 0 ? "start" : j === n + 1 ? "end" : "step-" + ss[j - 1].type;
      var g = el("g", { "class": "node " + kind, "data-node": j }, fresh);
      el("rect", { x: X, y: top(j), width: W, height: H, rx: 8 }, g);
      var label = j === 0 ? "Start: " + fig.getAttribute("data-start") :
        j === n + 1 ? "End" + (fig.getAttribute("data-goal") ? " (or as soon as " + fig.getAttribute("data-goal") + ")" : "") :
          j + ". " + say(ss[j - 1]);
      var shown = label.length > 44 ? label.slice(0, 43) + "…" : label;
      el("title", {}, g, label);
      el("text", { x: X + 12, y: top(j) + H / 2 + 5 }, g, shown);
      var here = j >= 1 && j <= n ? waiting[String(j - 1)] : 0;
      if (here > 0) {
        el("text", { x: X + W - 10, y: top(j) + H / 2 + 5, "text-anchor": "end", "class": "waiting" }, g, here + " here");
      }
      if (field && j >= 1 && j <= n && branching(ss[j - 1])) {
        el("circle", { cx: X + W, cy: top(j) + H / 2, r: 7, "class": "port", "data-port": j, tabindex: -1 }, fresh);
      }
    }
    if (svg) { fig.replaceChild(fresh, svg); } else { fig.insertBefore(fresh, fig.firstChild); }
    svg = fresh;
  };
  var point = function (ev) {
    var p = svg.createSVGPoint();
    p.x = ev.clientX;
    p.y = ev.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  };
  var nodeAt = function (y) { return Math.max(0, Math.floor((y - TOP + GAP / 2) / (H + GAP))); };
  fig.addEventListener("click", function (ev) {
    var g = ev.target.closest ? ev.target.closest("[data-node]") : null;
    if (!g || !field) { return; }
    var k = Number(g.getAttribute("data-node"));
    var card = document.querySelectorAll("#step-editor .block")[k - 1];
    if (card) {
      card.scrollIntoView({ block: "center" });
      var first = card.querySelector("input, select");
      if (first) { first.focus(); }
    }
  });
  var drag = null;
  fig.addEventListener("pointerdown", function (ev) {
    var port = ev.target.getAttribute && ev.target.getAttribute("data-port");
    if (!port || !field) { return; }
    ev.preventDefault();
    var p = point(ev);
    drag = { from: Number(port), line: el("line", { x1: p.x, y1: p.y, x2: p.x, y2: p.y, "class": "edge dragging" }, svg) };
    if (ev.target.setPointerCapture) { ev.target.setPointerCapture(ev.pointerId); }
  });
  fig.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var p = point(ev);
    drag.line.setAttribute("x2", p.x);
    drag.line.setAttribute("y2", p.y);
  });
  fig.addEventListener("pointerup", function (ev) {
    if (!drag) { return; }
    var from = drag.from;
    drag = null;
    var ss = steps();
    var to = nodeAt(point(ev).y);
    if (to >= 1 && to !== from) {
      ss[from - 1][ss[from - 1].type === "goto" ? "goto" : "else_goto"] = to > ss.length ? 0 : to;
      field.value = JSON.stringify(ss);
      field.dispatchEvent(new Event("steps-set"));
    }
    draw();
  });
  if (field) { field.addEventListener("steps-change", draw); }
  fig.hidden = false;
  draw();
})();
