/* The observers' page, second part: send a copy of a posted protocol (the parallel count) and see
   one's own copies. Signed in (observer.js shows #observer-who), an observer or an administrator
   gets the form: its figures go as JSON in the multipart field "copy", the photo beside it, to
   POST /api/v1/copies with the token kept in this tab (static/api.js); the answer (stored, how it
   compares with the commission's figures, what it breaks) is shown, and a refusal's per-field
   errors next to their fields. "My copies" comes from GET /api/v1/copies/mine. Texts, contests,
   options and line labels come from the page (#copies-data, rendered by the server). */
(function () {
  "use strict";

  var node = document.getElementById("copies-data");
  if (!node) return;
  var data = JSON.parse(node.textContent);
  var M = data.messages;
  var LANG = data.lang;
  var MAX_PHOTO = 10 * 1024 * 1024;  // the API's limit (saylau.copies.photos.MAX_BYTES)

  var dom = window.saylauDom;  // static/dom.js
  var t = dom.translator(M), $ = dom.$, el = dom.el, clear = dom.clear;
  var session = window.saylauApi;  // static/api.js

  var section = $("copies"), form = $("copy-form"), result = $("copy-result");
  var station = $("copy-station"), contest = $("copy-contest"), optionsBox = $("copy-options");
  var photo = $("copy-photo"), note = $("copy-note"), submit = $("copy-submit");
  var publish = $("copy-publish"), keepMetadata = $("copy-keep-metadata");
  var contests = {};
  data.contests.forEach(function (c) { contests[c.id] = c; });
  var seq = 0;

  function num(n) { return typeof n === "number" ? dom.number(n) : "—"; }

  function label(kind, id, contestId) {
    if (kind === "line") {
      var line = null;
      Array.prototype.forEach.call(form.querySelectorAll("[data-line]"), function (input, i) {
        if (input.getAttribute("data-line") === id) line = i + 1;
      });
      var text = data.labels[id] || id;
      return line ? t("line_n", { label: text, n: line }) : text;
    }
    var c = contests[contestId];
    var found = c && c.options.filter(function (o) { return o.id === id; })[0];
    if (found) return found.name;
    return id === "against_all" ? t("against_all") : id;
  }

  var OPERATORS = { "<=": "\u2264", ">=": "\u2265", "!=": "\u2260", "==": "=" };
  /* A relation of the form ("found <= issued") in the reader's words, as the parallel count page
     writes it (saylau.web.parallel.relation_text). */
  function relation(text) {
    return String(text).split(/\s+/).map(function (w) {
      if (OPERATORS[w]) return OPERATORS[w];
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(w)) return data.labels[w] || w;
      return w;
    }).join(" ");
  }

  // -- the form --------------------------------------------------------------------------------

  function fillOptions() {
    clear(optionsBox);
    var c = contests[contest.value];
    (c ? c.options : []).forEach(function (o) {
      var id = "copy-vote-" + o.id;
      optionsBox.appendChild(el("div", { className: "field number" }, [
        el("label", { "for": id, text: o.name }),
        el("input", {
          id: id, type: "number", inputmode: "numeric", min: "0", step: "1", "data-option": o.id,
          "aria-describedby": id + "-error"
        }),
        el("p", { className: "field-error", id: id + "-error" })
      ]));
    });
  }
  contest.addEventListener("change", function () { clearErrors(); fillOptions(); });

  function fieldError(input, errorId, message) {
    var box = $(errorId);
    if (!box) return false;
    box.textContent = message;
    if (input) input.setAttribute("aria-invalid", "true");
    return true;
  }

  function clearErrors() {
    Array.prototype.forEach.call(section.querySelectorAll(".field-error"), function (e) { e.textContent = ""; });
    Array.prototype.forEach.call(section.querySelectorAll("[aria-invalid]"), function (e) {
      e.removeAttribute("aria-invalid");
    });
  }

  /* Where the API's error for `field` ("station", "lines.found", "votes.amanat", "photo" ...)
     belongs in the form: its input and its error box. */
  function target(field) {
    var parts = String(field || "").split(".");
    var head = parts[0], rest = parts.slice(1).join(".");
    if (head === "station") return [station, "copy-station-error"];
    if (head === "contest") return [contest, "copy-contest-error"];
    if (head === "photo") return [photo, "copy-photo-error"];
    if (head === "note") return [note, "copy-note-error"];
    if (head === "lines" && rest && $("copy-line-" + rest)) return [$("copy-line-" + rest), "copy-line-" + rest + "-error"];
    if (head === "votes" && rest && $("copy-vote-" + rest)) return [$("copy-vote-" + rest), "copy-vote-" + rest + "-error"];
    return null;
  }

  /* The figures typed: {lines, votes}, or null after marking the inputs that are no count. */
  function figures() {
    var out = { lines: {}, votes: {} }, ok = true;
    Array.prototype.forEach.call(form.querySelectorAll("input[data-line], input[data-option]"), function (input) {
      var text = input.value.trim();
      if (input.validity && input.validity.badInput) text = "?";
      if (text === "") return;
      if (!/^\d+$/.test(text)) {
        ok = false;
        fieldError(input, input.id + "-error", t("bad_figure"));
        return;
      }
      var line = input.getAttribute("data-line");
      if (line) out.lines[line] = parseInt(text, 10);
      else out.votes[input.getAttribute("data-option")] = parseInt(text, 10);
    });
    return ok ? out : null;
  }

  function firstInvalid() {
    var bad = section.querySelector("[aria-invalid=true]");
    if (bad) bad.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    clear(result);
    var code = station.value.trim();
    var given = figures();
    if (!code) fieldError(station, "copy-station-error", t("need_station"));
    if (given && !Object.keys(given.lines).length && !Object.keys(given.votes).length) {
      fieldError(null, "copy-form-error", t("need_figure"));
      given = null;
    }
    var file = photo.files && photo.files[0];
    if (file && file.size > MAX_PHOTO) fieldError(photo, "copy-photo-error", t("too_large"));
    if (!code || !given || (file && file.size > MAX_PHOTO)) { firstInvalid(); return; }

    var copy = {
      station: code, contest: contest.value, lines: given.lines, votes: given.votes,
      publish_photo: publish.checked, keep_metadata: keepMetadata.checked
    };
    if (note.value.trim()) copy.note = note.value.trim();
    var body = new FormData();
    body.append("copy", JSON.stringify(copy));
    if (file) body.append("photo", file, file.name);
    submit.disabled = true;
    result.appendChild(el("p", { text: t("sending") }));
    session.api("POST", "/api/v1/copies", { body: body }).then(function (res) {
      submit.disabled = false;
      clear(result);
      if (res.status === 201) {
        showStored(res.body, copy);
        form.reset();
        station.value = copy.station;
        contest.value = copy.contest;
        fillOptions();
        loadMine();
      } else {
        showRefused(res);
      }
      result.focus();
    }, function () {
      submit.disabled = false;
      clear(result);
      result.appendChild(el("p", { className: "bad", text: t("network") }));
    });
  });

  function comparisonList(c) {
    return el("ul", { className: "error-list" }, c.differences.map(function (d) {
      return el("li", { "data-difference": d.kind + ":" + d.id }, [
        el("strong", { text: label(d.kind, d.id, c.contest) + ": " }),
        t("copy_vs_official", { copy: num(d.copy), official: num(d.official) })
      ]);
    }));
  }

  function showStored(c, sent) {
    result.appendChild(el("p", { className: "good", text: t("stored", { copy: c.copy }) }));
    if (c.official_version === null || c.official_version === undefined) {
      result.appendChild(el("p", { className: "warn", text: t("no_official") }));
    } else if (c.differs) {
      result.appendChild(el("p", { className: "bad", "data-result": "differs", text: t("differs") }));
      result.appendChild(comparisonList(c));
    } else {
      result.appendChild(el("p", { "data-result": "matches", text: t("matches") }));
    }
    if (c.changed_after) {
      result.appendChild(el("p", { className: "warn", text: t("changed_after") }));
      result.appendChild(el("ul", {}, c.later.map(function (l) {
        var text = t("later", { n: l.version, at: dom.dateTime(l.received) });
        if (l.reason) text += ": " + t("reason", { reason: l.reason });
        return el("li", { text: text + " \u2014 " + t(l.matches_copy ? "same" : "not_same") });
      })));
    }
    if (c.flags && c.flags.length) {
      result.appendChild(el("p", { className: "warn", text: t("flags") }));
      result.appendChild(el("ul", {}, c.flags.map(function (f) {
        return el("li", {}, [(f.relation ? relation(f.relation) + " \u2014 " : ""), el("code", { text: f.detail })]);
      })));
    }
    if (c.photo) {
      if (sent.publish_photo) {
        result.appendChild(el("p", {}, [el("a", { href: "/api/v1/photos/" + c.photo, text: t("photo_published") })]));
      } else {
        result.appendChild(el("p", { text: t("photo_kept") }));
      }
    }
  }

  function showRefused(res) {
    var b = res.body && typeof res.body === "object" ? res.body : {};
    if (res.status === 401) {
      result.appendChild(el("p", { className: "bad", text: t("bad_token", { why: session.problemText(res) }) }));
      return;
    }
    result.appendChild(el("p", { className: "bad", text: t("refused", { why: session.problemText(res) }) }));
    var elsewhere = [];
    (b.errors || []).forEach(function (e) {
      var where = target(e.field);
      var text = e.detail;
      if (e.field === "station" && /^unknown station/.test(String(e.detail))) text = t("unknown_station") + " (" + e.detail + ")";
      if (!where || !fieldError(where[0], where[1], text)) elsewhere.push((e.field ? e.field + ": " : "") + e.detail);
    });
    if (elsewhere.length) {
      result.appendChild(el("ul", { className: "error-list" }, elsewhere.map(function (x) { return el("li", { text: x }); })));
    }
  }

  // -- my copies -------------------------------------------------------------------------------

  function loadMine() {
    var mine = ++seq;
    return session.api("GET", "/api/v1/copies/mine").then(function (res) {
      if (mine !== seq) return;
      if (res.status !== 200) {
        $("mine-summary").textContent = t("mine_failed", { why: session.problemText(res) });
        return;
      }
      showMine(res.body);
    }, function () {
      if (mine === seq) $("mine-summary").textContent = t("network");
    });
  }

  function resultCell(c) {
    if (c.official_version === null || c.official_version === undefined) return [t("result_waiting")];
    if (!c.differs) return [t("result_matches")];
    return [el("strong", { text: t("result_differs") }), comparisonList(c)];
  }

  function showMine(doc) {
    var copies = doc.copies.slice().sort(function (a, b) { return b.copy - a.copy; });
    var table = $("mine-table"), wrap = $("mine-wrap");
    clear(table);
    if (!copies.length) {
      $("mine-summary").textContent = t("mine_empty");
      wrap.hidden = true;
      return;
    }
    $("mine-summary").textContent = t("mine_count", { n: num(copies.length), differing: num(doc.differing) });
    table.appendChild(el("caption", { text: t("mine_caption") }));
    table.appendChild(el("thead", {}, [el("tr", {}, [
      el("th", { scope: "col", text: t("station") }),
      el("th", { scope: "col", text: t("contest") }),
      el("th", { scope: "col", text: t("received") }),
      el("th", { scope: "col", text: t("result") })
    ])]));
    var body = el("tbody");
    copies.forEach(function (c) {
      var name = contests[c.contest] ? contests[c.contest].name : c.contest;
      var row = el("tr", {
        "data-copy": String(c.copy), "data-station": c.station, "data-differs": String(!!c.differs),
        className: c.differs ? "differs" : ""
      }, [
        el("th", { scope: "row" }, [el("a", { href: "/" + LANG + "/station/" + encodeURIComponent(c.station), text: c.station })]),
        el("td", { "data-label": t("contest"), text: name }),
        el("td", { "data-label": t("received"), text: dom.dateTime(c.received) }),
        el("td", { "data-label": t("result") }, resultCell(c).concat(c.photo ? [el("span", { className: "hint", text: " " + t("photo") })] : []))
      ]);
      body.appendChild(row);
    });
    table.appendChild(body);
    wrap.hidden = false;
  }

  // -- signed in or not ------------------------------------------------------------------------

  /* observer.js signs in and out and shows who is signed in (#observer-who): the form is shown to
     an observer or an administrator signed in, and hidden again when they sign out. */
  var who = $("observer-who");
  var shownFor = null;
  function follow() {
    var token = session.token();
    if (who.hidden || !token) {
      shownFor = null;
      seq++;
      section.hidden = true;
      clear(result);
      clear($("mine-table"));
      $("mine-summary").textContent = "";
      $("mine-wrap").hidden = true;
      return;
    }
    if (shownFor === token) return;
    shownFor = token;
    session.api("GET", "/api/v1/whoami").then(function (res) {
      if (shownFor !== token) return;
      var role = res.status === 200 && res.body ? res.body.role : null;
      section.hidden = !(role === "observer" || role === "admin");
      if (!section.hidden) loadMine();
    }, function () { /* observer.js says the server could not be reached */ });
  }

  fillOptions();
  new MutationObserver(follow).observe(who, { attributes: true, attributeFilter: ["hidden"] });
  follow();
})();
