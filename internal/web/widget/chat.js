// SCRMS live chat widget. Embed with one tag on any page:
//   <script src="https://crm.example.com/chat/widget.js" data-queue="Support" async></script>
// It draws a chat button in its own shadow root (the page's styles do not
// reach it), talks to SCRMS with fetch and server-sent events, and offers
// "leave a message" when no agent is available. No third-party code.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__scrmsChat) { return; }
  window.__scrmsChat = true;
  var base = new URL(me.src).origin;
  var queue = me.getAttribute("data-queue") || "";
  var title = me.getAttribute("data-title") || "Chat with us";
  var store = window.sessionStorage;
  var key = "scrms-chat:" + base;

  var host = document.createElement("div");
  host.id = "scrms-chat";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}" +
    ".btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 20px;" +
    "background:#1d4ed8;color:#fff;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25);min-height:44px}" +
    ".box{position:fixed;right:20px;bottom:80px;z-index:2147483000;width:340px;max-width:calc(100vw - 24px);" +
    "height:460px;max-height:calc(100vh - 100px);background:#fff;color:#111;border:1px solid #ccd;border-radius:10px;" +
    "display:flex;flex-direction:column;box-shadow:0 4px 20px rgba(0,0,0,.25)}" +
    ".box[hidden],[hidden]{display:none!important}header{padding:10px 14px;background:#1d4ed8;color:#fff;border-radius:10px 10px 0 0;" +
    "display:flex;justify-content:space-between;align-items:center}header button{background:none;border:0;color:#fff;cursor:pointer;font-size:18px;min-width:44px;min-height:44px}" +
    "form{display:flex;flex-direction:column;gap:8px;padding:12px}label{display:flex;flex-direction:column;gap:2px}" +
    "input,textarea{border:1px solid #99a;border-radius:6px;padding:8px;width:100%}textarea{resize:vertical;min-height:60px}" +
    "button.send{background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:10px;cursor:pointer;min-height:44px}" +
    ".log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:6px}" +
    ".line{max-width:85%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
    ".visitor{align-self:flex-end;background:#dbeafe}.agent{align-self:flex-start;background:#f1f5f9}" +
    ".system{align-self:center;color:#555;font-size:12px}.who{display:block;font-size:11px;color:#555}" +
    ".talk{flex:1;min-height:0;display:flex;flex-direction:column}.typing{padding:0 12px;color:#555;font-size:12px;min-height:18px}.note{padding:12px;color:#333}" +
    ".err{color:#b91c1c;font-size:13px}.say{display:flex;gap:6px;padding:8px;border-top:1px solid #dde}" +
    ".say{flex-direction:row;align-items:stretch}.say textarea{flex:1;min-height:44px;height:44px}.say button{flex:none}" +
    "</style>" +
    '<button class="btn" type="button" part="button"></button>' +
    '<section class="box" role="dialog" aria-label="Chat" hidden>' +
    '<header><strong class="title"></strong><button type="button" class="close" aria-label="Close chat">×</button></header>' +
    '<form class="start" novalidate><p class="intro note"></p>' +
    '<label>Your name<input name="name" autocomplete="name" required maxlength="100"></label>' +
    '<label>Email<input name="email" type="email" autocomplete="email" required></label>' +
    '<label>Message<textarea name="message" required maxlength="4000"></textarea></label>' +
    '<p class="err" role="alert"></p><button class="send" type="submit">Start chat</button></form>' +
    '<div class="talk" hidden><div class="log" aria-live="polite"></div><div class="typing"></div>' +
    '<form class="say"><textarea name="body" aria-label="Your message" maxlength="4000"></textarea>' +
    '<button class="send" type="submit">Send</button></form></div>' +
    '<p class="done note" hidden></p>' +
    "</section>";
  var $ = function (s) { return root.querySelector(s); };
  var box = $(".box"), start = $(".start"), talk = $(".talk"), log = $(".log"), say = $(".say");
  $(".btn").textContent = title;
  $(".title").textContent = title;

  var chat = null; // {id, token, last}
  var online = true;
  var events = null;

  function api(path, body) {
    return fetch(base + "/chat/api" + path, {
      method: body ? "POST" : "GET",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      mode: "cors", credentials: "omit"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { j.status_code = r.status; return j; });
    });
  }

  function setMode(isOnline) {
    online = isOnline;
    $(".intro").textContent = online ? "Ask us anything. An agent will answer here." :
      "Nobody is available to chat right now. Leave a message and we will answer by email.";
    start.querySelector("button").textContent = online ? "Start chat" : "Send message";
  }

  function addLine(l) {
    if (chat && l.id <= chat.last) { return; }
    if (chat) { chat.last = l.id; store.setItem(key, JSON.stringify(chat)); }
    var d = document.createElement("div");
    d.className = "line " + l.author;
    if (l.author !== "system") {
      var w = document.createElement("span");
      w.className = "who";
      w.textContent = l.author === "visitor" ? "You" : l.name;
      d.appendChild(w);
    }
    d.appendChild(document.createTextNode(l.body));
    log.appendChild(d);
    log.scrollTop = log.scrollHeight;
  }

  function listen() {
    if (events) { events.close(); }
    events = new EventSource(base + "/chat/api/chats/" + chat.id + "/events?token=" +
      encodeURIComponent(chat.token) + "&after=" + chat.last);
    events.addEventListener("line", function (e) { addLine(JSON.parse(e.data)); });
    events.addEventListener("typing", function (e) {
      var t = JSON.parse(e.data);
      $(".typing").textContent = t.agent ? t.name + " is typing…" : "";
    });
    events.addEventListener("status", function (e) {
      var s = JSON.parse(e.data);
      if (s.status === "ended") { ended(); }
    });
  }

  function ended() {
    if (events) { events.close(); events = null; }
    say.hidden = true;
    $(".typing").textContent = "The chat has ended. A copy is kept with your enquiry.";
    store.removeItem(key);
  }

  function resume() {
    talk.hidden = false;
    start.hidden = true;
    listen();
  }

  start.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = new FormData(start);
    var body = { name: f.get("name"), email: f.get("email"), message: f.get("message"), page: location.href, queue: queue };
    $(".err").textContent = "";
    api(online ? "/chats" : "/messages", body).then(function (r) {
      if (r.status_code === 409 && online) { setMode(false); $(".err").textContent = r.error; return; }
      if (r.status_code >= 300) { $(".err").textContent = r.error || "Something went wrong; please try again."; return; }
      if (!online) {
        start.hidden = true;
        var d = $(".done");
        d.hidden = false;
        d.textContent = "Thank you. Your message is with us (reference " + r.case_id + "); we will answer by email.";
        return;
      }
      chat = { id: r.id, token: r.token, last: 0 };
      store.setItem(key, JSON.stringify(chat));
      resume();
    }, function () { $(".err").textContent = "We could not reach the chat service; please try again."; });
  });

  var lastTyping = 0;
  say.querySelector("textarea").addEventListener("input", function () {
    var now = Date.now();
    if (chat && now - lastTyping > 2000) {
      lastTyping = now;
      api("/chats/" + chat.id + "/typing", { token: chat.token });
    }
  });
  say.querySelector("textarea").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); say.requestSubmit(); }
  });
  say.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var ta = say.querySelector("textarea");
    var text = ta.value.trim();
    if (!text || !chat) { return; }
    api("/chats/" + chat.id + "/messages", { token: chat.token, body: text }).then(function (r) {
      if (r.status_code === 409) { ended(); return; }
      if (r.status_code < 300) { ta.value = ""; lastTyping = 0; addLine(r); }
    });
  });

  $(".btn").addEventListener("click", function () {
    box.hidden = !box.hidden;
    if (!box.hidden && !chat) {
      api("/status?queue=" + encodeURIComponent(queue)).then(function (r) { setMode(!!r.online); });
    }
  });
  $(".close").addEventListener("click", function () {
    box.hidden = true;
    if (chat && confirm("End the chat?")) {
      api("/chats/" + chat.id + "/end", { token: chat.token }).then(ended);
    }
  });

  setMode(true);
  try { chat = JSON.parse(store.getItem(key) || "null"); } catch (e) { chat = null; }
  function mount() {
    document.body.appendChild(host);
    if (chat) { chat.last = 0; box.hidden = false; resume(); }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
