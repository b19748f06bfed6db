/* Live results: on each new results version announced by the server (server-sent events),
   fetch this page's <main> content again (?fragment=live) and swap it in without a reload,
   keeping the reader's focus and scroll position, and announce the update to screen readers.
   Plain JavaScript, no framework: the page works without it, this only keeps it fresh. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var status = document.getElementById("live-status");
  if (!main || !main.hasAttribute("data-live") || !window.EventSource || !window.fetch) return;
  var shown = main.getAttribute("data-version");
  var busy = false;
  var pending = false;

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
    fetch(fragmentUrl(), { headers: { "Accept": "text/html" }, cache: "no-store" })
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

  var source = new EventSource("/api/v1/events");
  source.addEventListener("results", function (e) {
    var data;
    try { data = JSON.parse(e.data); } catch (err) { return; }
    if (String(data.version) !== shown) refresh();
  });
})();
