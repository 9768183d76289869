/* ccsi-dao dashboard: live updates without a reload. Served by the app (no CDN). The server tells of a new snapshot
   or verification result over server-sent events (/events; /api/status is polled where those fail); the page then
   fetches itself again and replaces its live regions ([data-live][id]) only, so a filter being typed and the keyboard
   focus stay where they are. The toggle pauses this (remembered in this browser). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var body = document.body;
  var version = parseInt(body.getAttribute("data-version") || "0", 10);
  var toggle = document.getElementById("live-toggle");
  var announcer = document.getElementById("announcer");
  var KEY = "ccsi-dao-live";
  var live = true;
  try { live = window.localStorage.getItem(KEY) !== "off"; } catch (e) { /* storage may be blocked */ }
  var busy = false;
  var pending = false;
  var source = null;
  var pollTimer = null;

  function showToggle() {
    if (!toggle) { return; }
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", live ? "true" : "false");
    toggle.textContent = live ? "Live updates: on" : "Live updates: paused";
  }

  function announce(text) {
    if (!announcer) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function focusKey(el) {
    if (!el || el === body) { return null; }
    if (el.id) { return { id: el.id }; }
    if (el.tagName === "A") { return { href: el.getAttribute("href"), text: el.textContent }; }
    return null;
  }

  function restoreFocus(key) {
    if (!key) { return; }
    var el = null;
    if (key.id) { el = document.getElementById(key.id); }
    if (!el && key.href) {
      var links = document.querySelectorAll("a[href]");
      for (var i = 0; i < links.length; i++) {
        if (links[i].getAttribute("href") === key.href && links[i].textContent === key.text) { el = links[i]; break; }
      }
    }
    if (el && typeof el.focus === "function") { el.focus({ preventScroll: true }); }
  }

  function refresh() {
    if (!live) { return; }
    if (busy) { pending = true; return; }
    busy = true;
    var before = document.getElementById("synced-block");
    var beforeBlock = before ? before.textContent : "";
    fetch(window.location.href, { headers: { "Accept": "text/html" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok || r.status === 400 || r.status === 404 ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var active = document.activeElement;
        var key = null;
        var regions = document.querySelectorAll("[data-live][id]");
        for (var i = 0; i < regions.length; i++) {
          var fresh = doc.getElementById(regions[i].id);
          if (!fresh || fresh.innerHTML === regions[i].innerHTML) { continue; }
          if (active && regions[i].contains(active)) { key = focusKey(active); }
          regions[i].innerHTML = fresh.innerHTML;
        }
        var freshVersion = parseInt(doc.body.getAttribute("data-version") || "0", 10);
        if (freshVersion > version) { version = freshVersion; body.setAttribute("data-version", String(version)); }
        restoreFocus(key);
        var after = document.getElementById("synced-block");
        if (after && after.textContent !== beforeBlock) { announce("Updated to block " + after.textContent + "."); }
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        busy = false;
        if (pending) { pending = false; refresh(); }
      });
  }

  function onStatus(data) {
    if (typeof data.version === "number" && data.version !== version) { refresh(); }
  }

  function poll() {
    if (pollTimer) { return; }
    pollTimer = window.setInterval(function () {
      if (!live) { return; }
      fetch("/api/status", { cache: "no-store" }).then(function (r) { return r.json(); }).then(onStatus).catch(function () {});
    }, 5000);
  }

  function connect() {
    if (!window.EventSource) { poll(); return; }
    source = new EventSource("/events");
    source.addEventListener("update", function (event) {
      try { onStatus(JSON.parse(event.data)); } catch (e) { /* ignore a garbled event */ }
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { poll(); }
    };
  }

  if (toggle) {
    toggle.addEventListener("click", function () {
      live = !live;
      try { window.localStorage.setItem(KEY, live ? "on" : "off"); } catch (e) { /* not remembered */ }
      showToggle();
      announce(live ? "Live updates on." : "Live updates paused.");
      if (live) { refresh(); }
    });
  }
  showToggle();
  connect();
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
})();
