/* A territory's list of polling stations narrowed as one types (issue 16 item 6).

   The page works without this: its form sends ?q= and the server lists the stations that match.
   This only does the same at once, row by row, and the same way as the server
   (saylau.web.station_views): separators, quotes, brackets and "№" read as spaces, then NFKC and
   lower case; a row is shown when every word of the query begins a word of its number, code or
   address as the page shows them (the cells marked data-search-text). A published page (plain files, no server) reads the
   query of its address itself. Live updates (static/live.js) replace the list: the words typed
   so far are applied again to the new rows. Plain JavaScript; static/dom.js writes the counts. */
(function () {
  "use strict";
  var MAX_QUERY = 100, MAX_WORDS = 10;
  var typed = null; /* what the reader typed, kept across live updates */

  function normalised(text) {
    return String(text).replace(/[,;№#()«»"]/g, " ").normalize("NFKC").toLowerCase();
  }

  function words(query) {
    return normalised(query.trim().slice(0, MAX_QUERY)).split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
  }

  function haystack(row) {
    var cells = row.querySelectorAll("[data-search-text]");
    var parts = [];
    for (var i = 0; i < cells.length; i += 1) parts.push(cells[i].textContent);
    return normalised(parts.join(" ")).split(/\s+/).filter(Boolean);
  }

  function formatted(n) {
    return window.saylauDom ? window.saylauDom.number(n) : String(n);
  }

  function apply(input) {
    var wanted = words(input.value);
    var table = document.querySelector("[data-station-list]");
    var rows = table ? table.tBodies[0].rows : [];
    var shown = 0;
    for (var i = 0; i < rows.length; i += 1) {
      var row = rows[i];
      if (row.searchWords === undefined) row.searchWords = haystack(row);
      var match = wanted.every(function (w) {
        return row.searchWords.some(function (t) { return t.lastIndexOf(w, 0) === 0; });
      });
      row.hidden = !match;
      if (match) shown += 1;
    }
    var count = document.getElementById("station-count");
    if (count) {
      var total = parseInt(count.getAttribute("data-total"), 10);
      count.textContent = (wanted.length || shown !== total)
        ? count.getAttribute("data-template").replace("%(shown)s", formatted(shown)).replace("%(total)s", formatted(total))
        : "";
    }
    var none = document.querySelector("[data-station-none]");
    if (none && table) none.hidden = shown > 0;
  }

  function install() {
    var input = document.getElementById("station-q");
    if (!input || !document.querySelector("[data-station-filter]")) return;
    if (typed !== null && input.value !== typed) input.value = typed; /* after a live update */
    if (typed === null && !input.value && window.URLSearchParams) {
      var q = new URLSearchParams(window.location.search).get("q"); /* a published page */
      if (q) input.value = q.slice(0, MAX_QUERY);
    }
    input.addEventListener("input", function () {
      typed = input.value;
      apply(input);
    });
    if (input.value) apply(input);
  }

  install();
  document.addEventListener("saylau:updated", install);
})();
