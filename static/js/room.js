/* Session room client.
 *
 * - Every message gets its own id here (crypto.randomUUID) and waits in an
 *   outbox kept in localStorage until the server acknowledges it, so a reload
 *   or a dropped link loses nothing; sending it again stores nothing twice
 *   (the server keys messages by this id).
 * - The server numbers each room's messages 1, 2, 3… with no gaps. The client
 *   keeps the highest number up to which it holds every message
 *   ("contiguous") and asks for everything after it on every connection,
 *   whenever it sees a gap (a number beyond contiguous + 1), every 20 s and
 *   when the tab becomes visible. A catch-up that does not answer within 10 s
 *   means a dead link: the socket is closed and opened again.
 * - Messages are drawn once per number: nothing is shown twice.
 * - Close codes decide what happens next: 4403 stops (not allowed here any
 *   more), 4429 waits 30 s (too many tabs), anything else retries with
 *   exponential backoff.
 * - Text is inserted as text; only http(s) links become anchors.
 */
(function () {
  "use strict";

  var root = document.getElementById("room");
  if (!root || !("WebSocket" in window)) {
    return;
  }
  var text = root.dataset;
  var bookingId = text.booking;
  var me = Number(text.me);
  var readOnly = text.state !== "open";
  var list = document.getElementById("messages");
  var composer = document.getElementById("composer");
  var input = composer ? composer.querySelector("textarea") : null;
  var statusEl = document.getElementById("connection-status");
  var presenceEl = document.getElementById("presence");
  var typingEl = document.getElementById("typing");
  var notesForm = document.getElementById("notes-form");
  var notesText = document.getElementById("notes-text");
  var notesStatus = document.getElementById("notes-status");
  var notesConflict = document.getElementById("notes-conflict");
  var notesVersion = notesForm ? Number(notesForm.elements.version.value) : 0;
  var notesDirty = false;

  var outboxKey = "rabta-room-outbox-" + bookingId + "-" + me;
  var bySeq = new Map();
  var byClientId = new Map();
  var contiguous = Number(text.lastSeq || 0);
  var highest = contiguous;
  var syncPending = false;
  var syncTimer = null;
  var socket = null;
  var attempt = 0;
  var reconnectTimer = null;
  var present = new Map();
  var typingTimer = null;
  var lastTypingSent = 0;

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function loadOutbox() {
    try {
      var items = JSON.parse(localStorage.getItem(outboxKey) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }
  var outbox = loadOutbox();
  function saveOutbox() {
    try {
      localStorage.setItem(outboxKey, JSON.stringify(outbox));
    } catch (e) { /* storage full or disabled: the in-memory outbox still works */ }
  }

  function setStatus(value) {
    statusEl.textContent = value;
  }

  function appendLinkified(parent, body) {
    var parts = body.split(/(https?:\/\/[^\s<>"']+)/);
    parts.forEach(function (part, index) {
      if (index % 2 === 1) {
        var link = document.createElement("a");
        link.href = part;
        link.rel = "noopener noreferrer nofollow";
        link.target = "_blank";
        link.textContent = part;
        parent.appendChild(link);
      } else if (part) {
        var lines = part.split("\n");
        lines.forEach(function (line, i) {
          if (i > 0) {
            parent.appendChild(document.createElement("br"));
          }
          parent.appendChild(document.createTextNode(line));
        });
      }
    });
  }

  // Times in the member's own zone (their profile's), as the server renders them.
  var clock;
  try {
    clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: text.timezone });
  } catch (e) {
    clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }
  function timeOf(iso) {
    return clock.format(iso ? new Date(iso) : new Date());
  }

  function buildItem(message, pending) {
    var item = document.createElement("li");
    item.className = "room-message" + (message.author_id === me ? " mine" : "") + (pending ? " pending" : "");
    var meta = document.createElement("p");
    meta.className = "room-meta";
    var who = document.createElement("strong");
    who.textContent = message.author || "";
    var when = document.createElement("time");
    when.textContent = pending ? text.textSending : timeOf(message.created_at);
    if (message.created_at) {
      when.dateTime = message.created_at;
    }
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(when);
    var body = document.createElement("p");
    body.className = "room-body";
    appendLinkified(body, message.body);
    item.appendChild(meta);
    item.appendChild(body);
    item.dataset.clientId = message.client_id;
    return item;
  }

  function placeStored(item, seq) {
    item.dataset.seq = String(seq);
    // Keep stored messages in order, before any still pending.
    var next = null;
    for (var i = 0; i < list.children.length; i++) {
      var other = list.children[i];
      if (other === item) {
        continue;
      }
      if (!other.dataset.seq || Number(other.dataset.seq) > seq) {
        next = other;
        break;
      }
    }
    list.insertBefore(item, next);
  }

  function showStored(message) {
    var seq = Number(message.seq);
    if (!seq || bySeq.has(seq) || seq <= contiguous) {
      return;
    }
    var item = byClientId.get(message.client_id);
    if (item && !item.dataset.seq) {
      var fresh = buildItem(message, false);
      list.replaceChild(fresh, item);
      item = fresh;
    } else {
      item = buildItem(message, false);
    }
    bySeq.set(seq, item);
    byClientId.set(message.client_id, item);
    placeStored(item, seq);
    highest = Math.max(highest, seq);
    while (bySeq.has(contiguous + 1)) {
      contiguous += 1;
    }
    list.scrollTop = list.scrollHeight;
  }

  // Ask for everything after the last unbroken number; one request at a time.
  function requestSync() {
    if (syncPending || !socket || socket.readyState !== WebSocket.OPEN) {
      return;
    }
    syncPending = true;
    send({ type: "sync", after_seq: contiguous });
    clearTimeout(syncTimer);
    syncTimer = setTimeout(function () {
      // No answer: the link is dead even if the socket does not know it yet.
      syncPending = false;
      if (socket) {
        socket.close();
      }
    }, 10000);
  }

  function syncDone() {
    syncPending = false;
    clearTimeout(syncTimer);
  }

  function fillGaps() {
    if (highest > contiguous) {
      requestSync();
    }
  }

  function showPending(entry) {
    if (byClientId.has(entry.client_id)) {
      return;
    }
    var item = buildItem({ client_id: entry.client_id, author_id: me, author: "", body: entry.body }, true);
    byClientId.set(entry.client_id, item);
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(payload));
      return true;
    }
    return false;
  }

  function flushOutbox() {
    outbox.forEach(function (entry) {
      send({ type: "message", client_id: entry.client_id, body: entry.body });
    });
  }

  function renderPresence() {
    var names = [];
    present.forEach(function (value) {
      if (value.channels.size > 0) {
        names.push(value.name);
      }
    });
    presenceEl.textContent = names.length ? text.textHere + " " + names.join(", ") : "";
  }

  function onPresence(event) {
    var entry = present.get(event.user_id) || { name: event.name, channels: new Set() };
    if (event.name) {
      entry.name = event.name;
    }
    if (event.present) {
      entry.channels.add(event.channel);
    } else {
      entry.channels.delete(event.channel);
    }
    present.set(event.user_id, entry);
    renderPresence();
  }

  var savingText = null;

  function onNotes(notes, conflict) {
    if (!notesForm) {
      return;
    }
    if (conflict) {
      // Refused: someone saved first. Show their text; the next save is made knowingly over it.
      notesConflict.hidden = false;
      notesConflict.querySelector("p").textContent = text.textConflict;
      notesConflict.querySelector("pre").textContent = notes.text;
      notesVersion = notes.version;
      notesForm.elements.version.value = String(notes.version);
      savingText = null;
      return;
    }
    if (savingText !== null && notes.text === savingText) {
      notesVersion = notes.version;
      notesForm.elements.version.value = String(notes.version);
      notesDirty = false;
      savingText = null;
      notesConflict.hidden = true;
      notesStatus.textContent = text.textNotesSaved;
      return;
    }
    notesStatus.textContent = text.textNotesUpdated + " " + notes.by + ".";
    if (!notesDirty) {
      // Nothing unsaved here: take their version. With unsaved edits, keep them;
      // saving will then be refused and both versions shown.
      notesText.value = notes.text;
      notesVersion = notes.version;
      notesForm.elements.version.value = String(notes.version);
    }
  }

  function handle(data) {
    switch (data.type) {
      case "welcome":
        readOnly = data.state !== "open";
        break;
      case "message":
        showStored(data.message);
        fillGaps();
        break;
      case "ack":
        outbox = outbox.filter(function (entry) { return entry.client_id !== data.client_id; });
        saveOutbox();
        showStored(data.message);
        fillGaps();
        break;
      case "history":
        syncDone();
        attempt = 0; // the server answers: the next drop retries quickly
        data.messages.forEach(showStored);
        // The answer holds every message after after_seq that exists, up to its last one: a number
        // still missing below that was deleted (an account closed), not lost. Step over it.
        if (data.messages.length) {
          contiguous = Math.max(contiguous, Number(data.messages[data.messages.length - 1].seq));
        }
        if (data.more) {
          requestSync();
        } else {
          contiguous = Math.max(contiguous, highest);
        }
        break;
      case "presence":
        onPresence(data);
        break;
      case "typing":
        typingEl.textContent = data.name + " " + text.textTyping;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingEl.textContent = ""; }, 3000);
        break;
      case "notes":
        onNotes(data.notes, false);
        break;
      case "notes_conflict":
        onNotes(data.notes, true);
        break;
      case "error":
        if (data.client_id && data.code !== "rate_limited") {
          // A message the server will never take: drop it from the outbox, say why.
          outbox = outbox.filter(function (entry) { return entry.client_id !== data.client_id; });
          saveOutbox();
          var item = byClientId.get(data.client_id);
          if (item) {
            item.classList.add("failed");
            item.querySelector("time").textContent = data.message;
          }
        } else {
          setStatus(data.message);
        }
        if (data.code === "rate_limited" && data.client_id) {
          setTimeout(flushOutbox, 5000);
        } else if (data.code === "rate_limited") {
          syncDone();
          setTimeout(requestSync, 5000);
        } else if (data.code === "busy") {
          setTimeout(flushOutbox, 2000);
        }
        break;
    }
  }

  function retry(delay) {
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  function connect() {
    clearTimeout(reconnectTimer);
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + text.socket);
    socket.onopen = function () {
      syncPending = false;
      setStatus(text.textConnected);
      requestSync();
      flushOutbox();
    };
    socket.onmessage = function (event) {
      try {
        handle(JSON.parse(event.data));
      } catch (e) { /* a malformed frame is ignored */ }
    };
    socket.onclose = function (event) {
      syncDone();
      present.clear();
      renderPresence();
      if (event.code === 4403) {
        // Not allowed here any more (a cancelled session, a closed account): retrying would not help.
        setStatus(text.textRefused);
        return;
      }
      if (event.code === 4429) {
        setStatus(text.textTooMany);
        retry(30000 * (0.75 + Math.random() / 2));
        return;
      }
      if (navigator.onLine === false) {
        setStatus(text.textOffline);
      } else {
        setStatus(event.code === 4503 ? text.textUnavailable : text.textReconnecting);
      }
      // Exponential backoff with jitter, at most 15 s.
      var delay = Math.min(15000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      retry(delay);
    };
  }

  // Messages already on the page.
  Array.prototype.forEach.call(list.querySelectorAll("li[data-seq]"), function (item) {
    bySeq.set(Number(item.dataset.seq), item);
    byClientId.set(item.dataset.clientId, item);
  });
  list.scrollTop = list.scrollHeight;
  outbox.forEach(showPending);

  if (composer) {
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body || readOnly) {
        return;
      }
      var entry = { client_id: uuid(), body: body };
      outbox.push(entry);
      saveOutbox();
      showPending(entry);
      input.value = "";
      send({ type: "message", client_id: entry.client_id, body: entry.body });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTypingSent > 2000) {
        lastTypingSent = now;
        send({ type: "typing" });
      }
    });
  }

  if (notesForm && !readOnly) {
    notesText.addEventListener("input", function () { notesDirty = true; });
    notesForm.addEventListener("submit", function (event) {
      if (send({ type: "notes", text: notesText.value, version: notesVersion })) {
        event.preventDefault();
        savingText = notesText.value;
      }
    });
  }

  window.addEventListener("online", function () {
    if ((!socket || socket.readyState === WebSocket.CLOSED) && statusEl.textContent !== text.textRefused) {
      attempt = 0;
      connect();
    }
  });
  window.addEventListener("offline", function () {
    setStatus(text.textOffline);
    if (socket) {
      socket.close();
    }
  });

  // A broadcast lost inside the server side (a Redis restart, a full queue)
  // leaves the socket open and no gap in sight when it was the last message;
  // asking now and then closes such a gap, and proves the link is alive.
  setInterval(requestSync, 20000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      requestSync();
    }
  });

  setStatus(text.textConnecting);
  connect();
})();
