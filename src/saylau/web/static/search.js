/* Find your place (issue 17 item 2): suggestions under a search box as one types.

   Every box is a plain form (form[data-search-box]: templates/_search_box.html, search.html)
   that sends ?q= to /{lang}/search and works without this. This asks /api/v1/search for the
   first results of what is typed and lists them under the box as an ARIA 1.2 combobox: the
   input keeps the focus, the arrow keys move through the options (aria-activedescendant),
   Enter opens the option chosen (or sends the form when none is), Escape closes the list, and
   a polite status says how many there are. A published page (plain files, main[data-pointer])
   has no server to ask or to send the form to: the box is hidden there. Plain JavaScript, no
   inline code or style (the CSP). */
(function () {
  "use strict";
  var LIMIT = 8, WAIT = 150, MAX_QUERY = 200;
  var serial = 0;

  function worth(query) {
    /* two letters, or a digit: one letter finds nothing the server would list */
    return query.length >= 2 || /\d/.test(query);
  }

  function install(form) {
    var input = form.querySelector("input[name=q]");
    if (!input || form.getAttribute("data-search-ready")) return;
    form.setAttribute("data-search-ready", "1");
    serial += 1;
    var id = "search-suggestions-" + serial;
    var list = document.createElement("ul");
    list.id = id;
    list.className = "search-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("aria-label") || "");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var field = input.parentNode;
    field.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    var options = [];  /* [{element, url}] */
    var active = -1;
    var timer = null;
    var pending = null;
    var asked = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(i) {
      if (active >= 0 && options[active]) options[active].element.setAttribute("aria-selected", "false");
      active = i;
      if (i < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      var option = options[i].element;
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      if (option.scrollIntoView) option.scrollIntoView({ block: "nearest" });
    }

    function show(results) {
      list.textContent = "";
      options = [];
      active = -1;
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-kind", r.kind);
        var name = document.createElement("span");
        name.className = "search-name";
        name.textContent = r.name;
        var what = document.createElement("span");
        what.className = "search-what";
        what.textContent = r.context ? r.label + " · " + r.context : r.label;
        li.appendChild(name);
        li.appendChild(what);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); }); /* keep the focus */
        li.addEventListener("click", function () { window.location.assign(r.url); });
        list.appendChild(li);
        options.push({ element: li, url: r.url });
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "search-none-yet";
        none.textContent = form.getAttribute("data-none") || "";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
      status.textContent = results.length
        ? (form.getAttribute("data-count") || "%(num)s").replace("%(num)s", String(results.length))
        : form.getAttribute("data-none") || "";
    }

    function ask() {
      var query = input.value.trim().slice(0, MAX_QUERY);
      if (!worth(query)) {
        asked = "";
        close();
        return;
      }
      if (query === asked && !list.hidden) return;
      asked = query;
      if (pending && pending.abort) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      var url = "/api/v1/search?limit=" + LIMIT + "&lang=" + encodeURIComponent(form.getAttribute("data-lang") || "en")
        + "&q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" }, signal: pending ? pending.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body || input.value.trim().slice(0, MAX_QUERY) !== query) return; /* typed on since */
          if (document.activeElement !== input) return;
          show(body.results || []);
        })
        .catch(function () { /* aborted, or offline: the form still works */ });
    }

    input.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(ask, WAIT);
    });
    input.addEventListener("focus", function () { if (worth(input.value.trim())) ask(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") {
        if (!open) { asked = ""; ask(); return; }
        if (options.length) choose(active + 1 < options.length ? active + 1 : 0);
        e.preventDefault();
      } else if (e.key === "ArrowUp") {
        if (open && options.length) {
          choose(active > 0 ? active - 1 : options.length - 1);
          e.preventDefault();
        }
      } else if (e.key === "Enter") {
        if (open && active >= 0 && options[active]) {
          e.preventDefault();
          window.location.assign(options[active].url);
        }
      } else if (e.key === "Escape") {
        if (open) {
          e.preventDefault();
          close();
        }
      } else if (e.key === "Tab") {
        close();
      }
    });
  }

  var published = document.querySelector("main[data-pointer]");
  var forms = document.querySelectorAll("form[data-search-box]");
  for (var i = 0; i < forms.length; i += 1) {
    if (published) forms[i].hidden = true;
    else install(forms[i]);
  }
})();
