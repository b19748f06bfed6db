/* Live results: on each new results version announced by the server (server-sent events),
   fetch this page's <main> content again (?fragment=live) and swap it in without a reload,
   keeping the reader's focus and scroll position, and announce the update to screen readers.
   Plain JavaScript, no framework: the page works without it, this only keeps it fresh.
   A published page (saylau publish: plain files, data-pointer on <main>) has no server to ask
   for a fragment: it polls the pointer file with conditional requests, and when the pointer
   names a new version, takes <main> from this page's copy in that version (data-page). The same
   polling stands in whenever no event stream is reachable. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var status = document.getElementById("live-status");
  if (!main || !main.hasAttribute("data-live") || !window.fetch) return;
  var shown = main.getAttribute("data-version");
  var busy = false;
  var pending = false;
  var POLL_MS = 2000;
  var pointer = main.getAttribute("data-pointer"); /* a published page: its current.json */
  var pageUrl = main.getAttribute("data-page"); /* this page in version {version} */
  var events = main.getAttribute("data-events") || (pointer ? null : "/api/v1/events");
  var seen = shown; /* the version the pointer named last */
  var tag = null, modified = null; /* the pointer's ETag and Last-Modified */

  function fragmentUrl() {
    var url = new URL(window.location.href);
    url.searchParams.set("fragment", "live");
    url.hash = "";
    return url.toString();
  }

  function refresh() {
    if (busy) { pending = true; return; }
    busy = true;
    var version = null;
    fetch(fragmentUrl(), { headers: { "Accept": "text/html" }, cache: "no-cache" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        version = r.headers.get("X-Results-Version");
        return r.text();
      })
      .then(function (html) { if (version !== shown) swap(html, version); })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        busy = false;
        if (pending) { pending = false; refresh(); }
      });
  }

  function swap(html, version) {
    var focused = document.activeElement;
    var focusId = focused && focused !== main && main.contains(focused) ? focused.id : null;
    var x = window.scrollX, y = window.scrollY;
    var template = document.createElement("template");
    template.innerHTML = html;
    main.replaceChildren(template.content);
    shown = version;
    main.setAttribute("data-version", version);
    if (focusId) {
      var again = document.getElementById(focusId);
      if (again) again.focus({ preventScroll: true });
    }
    window.scrollTo(x, y);
    main.classList.remove("updated");
    void main.offsetWidth; /* restart the highlight */
    main.classList.add("updated");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = status.getAttribute("data-updated"); }, 50);
    }
    document.dispatchEvent(new CustomEvent("saylau:updated", { detail: { version: version } }));
  }

  /* A published page: has the pointer moved? If-None-Match / If-Modified-Since make the
     answer a 304 without a body until it has. */
  function poll() {
    if (busy) { pending = true; return; }
    busy = true;
    var headers = {};
    if (tag) headers["If-None-Match"] = tag;
    if (modified) headers["If-Modified-Since"] = modified;
    fetch(pointer, { headers: headers, cache: "no-store" })
      .then(function (r) {
        if (r.status === 304) return null;
        if (!r.ok) throw new Error("HTTP " + r.status);
        tag = r.headers.get("ETag");
        modified = r.headers.get("Last-Modified");
        return r.json();
      })
      .then(function (current) {
        if (!current || String(current.version) === seen) return null;
        var url = new URL(pageUrl.replace("{version}", current.version), window.location.href);
        return fetch(url.toString(), { cache: "no-cache" })
          .then(function (r) {
            if (!r.ok) throw new Error("HTTP " + r.status);
            return r.text();
          })
          .then(function (html) {
            var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
            if (!fresh) throw new Error("no <main> in " + url);
            seen = String(current.version);
            /* the page's own address follows, so its relative links lead into that version */
            url.hash = window.location.hash;
            window.history.replaceState(window.history.state, "", url.toString());
            var version = fresh.getAttribute("data-version");
            if (version !== shown) swap(fresh.innerHTML, version);
          });
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () {
        busy = false;
        if (pending) { pending = false; poll(); }
      });
  }

  var check = pointer ? poll : refresh;
  var timer = null;
  function polling(on) {
    if (on && timer === null) timer = window.setInterval(check, POLL_MS);
    if (!on && timer !== null) { window.clearInterval(timer); timer = null; }
  }

  if (!events || !window.EventSource) { polling(true); return; }
  var source = null;
  function connect() {
    if (source) return;
    source = new EventSource(events);
    source.addEventListener("open", function () { polling(false); });
    source.addEventListener("error", function () { polling(true); }); /* unreachable: poll meanwhile */
    source.addEventListener("results", function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (pointer) { poll(); window.setTimeout(poll, 1000); } /* the publisher follows within a second */
      else if (String(data.version) !== shown) refresh();
    });
  }
  function disconnect() {
    if (source) { source.close(); source = null; }
    polling(false);
  }
  /* Only a tab being looked at holds a stream open. A browser opens six connections to a host
     (HTTP/1.1): a reader with more live pages open than that would find the next one never
     loads. A tab shown again opens its stream again, whose first event is the current version:
     the page catches up at once. */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") disconnect(); else connect();
  });
  if (document.visibilityState !== "hidden") connect();
})();
