/* The officer pages: sign in with a token, enter a protocol (checked as it is typed), upload a file.
   The token is kept in sessionStorage only: never a cookie, a URL or a log line. Texts come from
   the page (officer.po, rendered by the server) in #officer-data. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("officer-data").textContent);
  var M = data.messages;
  var LANG = data.lang;

  var dom = window.saylauDom;  // static/dom.js
  var t = dom.translator(M), $ = dom.$, el = dom.el, clear = dom.clear;

  var numberFormat = new Intl.NumberFormat(LANG === "en" ? "en-GB" : LANG === "ru" ? "ru-RU" : "kk-KZ");
  function num(n) { return typeof n === "number" ? numberFormat.format(n) : String(n); }

  var session = window.saylauApi;  // static/api.js: the kept token, requests that send it
  var token = session.token, keep = session.keep, forget = session.forget;
  var api = session.api, problemText = session.problemText;

  var who = null; // the whoami answer, once known

  function roleText(role) { return t("role_" + role); }

  function showWho(me, territoryName) {
    var box = $("officer-who");
    if (!box) return;
    if (!me) { box.hidden = true; return; }
    $("officer-who-text").textContent = t("signed_in") + ": " + roleText(me.role) +
      (me.territory ? " · " + (territoryName || me.territory) : "");
    box.hidden = false;
  }

  var territoryNames = null;
  function territories() {
    if (territoryNames) return Promise.resolve(territoryNames);
    return api("GET", "/api/v1/election?lang=" + LANG, { token: null }).then(function (res) {
      territoryNames = {};
      if (res.status === 200) {
        res.body.territories.forEach(function (tt) { territoryNames[tt.id] = tt.name; });
      }
      return territoryNames;
    });
  }

  var signing = window.saylauSigning;  // static/signing.js: the key made and kept in this browser

  /* The signing key kept for the signed-in token, if it is still registered and not revoked:
     resolves to {record, state} with state "ready", "none", "revoked" or "unsupported". */
  function signingKey(me) {
    if (!signing.supported()) return Promise.resolve({ record: null, state: "unsupported" });
    if (!me || !me.token) return Promise.resolve({ record: null, state: "none" });
    return signing.load(me.token).then(function (record) {
      if (!record) return { record: null, state: "none" };
      return api("GET", "/api/v1/keys/" + encodeURIComponent(record.keyId), { token: null }).then(function (res) {
        if (res.status === 200 && !res.body.revoked_at) return { record: record, state: "ready" };
        return { record: record, state: res.status === 200 ? "revoked" : "none" };
      });
    }, function () { return { record: null, state: "none" }; });
  }

  function keyText(found, names) {
    if (found.state === "ready") {
      var territory = found.record.territory;
      return t("key_ready", { id: found.record.keyId, territory: (names && names[territory]) || territory });
    }
    if (found.state === "revoked") return t("key_revoked", { id: found.record.keyId });
    return t(found.state === "unsupported" ? "key_unsupported" : "key_none");
  }

  function whoami() {
    if (!token()) return Promise.resolve(null);
    return api("GET", "/api/v1/whoami").then(function (res) {
      if (res.status !== 200) { forget(); return null; }
      who = res.body;
      return territories().then(function (names) {
        showWho(who, who.territory ? names[who.territory] : null);
        return who;
      });
    });
  }

  function signOut() {
    forget();
    who = null;
    showWho(null);
    var status = $("signin-status");
    if (status) status.textContent = t("signed_out");
    if (data.page === "signin") {
      $("signed-in").hidden = true;
      $("signin-form").hidden = false;
      $("token").value = "";
      $("token").focus();
    } else {
      window.location.href = "/" + LANG + "/officer/";
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-sign-out]"), function (b) {
    b.addEventListener("click", signOut);
  });

  // -- sign in -----------------------------------------------------------------------------------

  function signInPage() {
    var form = $("signin-form"), input = $("token"), error = $("token-error"), status = $("signin-status");

    function signedIn(me) {
      territories().then(function (names) {
        $("who-role").textContent = roleText(me.role);
        $("who-territory").textContent = me.territory
          ? (names[me.territory] || me.territory) + " (" + me.territory + ")" : t("everywhere");
        $("who-name").textContent = me.name || "—";
        $("who-token").textContent = me.token || "—";
        $("who-expires").textContent = me.expires_at || "—";
        form.hidden = true;
        $("signed-in").hidden = false;
        status.textContent = t("signed_in") + ": " + roleText(me.role) +
          (me.role === "admin" || me.role === "commission" ? "" : ". " + t("not_writer"));
        showWho(me, me.territory ? names[me.territory] : null);
        keySection(me, names);
      });
    }

    function keySection(me, names) {
      var section = $("signing-key"), keyStatus = $("signing-key-status");
      var make = $("make-key"), revoke = $("revoke-key");
      if (me.role !== "commission") {
        section.hidden = me.role !== "admin";
        keyStatus.textContent = t("key_commission_only");
        make.hidden = revoke.hidden = true;
        return;
      }
      section.hidden = false;
      function show(found) {
        keyStatus.textContent = keyText(found, names);
        make.hidden = found.state === "ready" || found.state === "unsupported";
        revoke.hidden = found.state !== "ready";
        revoke.onclick = function () {
          api("DELETE", "/api/v1/keys/" + encodeURIComponent(found.record.keyId)).then(function (res) {
            if (res.status !== 200 && res.status !== 409) { keyStatus.textContent = problemText(res); return; }
            signing.forget(me.token).then(function () { show({ record: found.record, state: "revoked" }); });
          });
        };
      }
      make.onclick = function () {
        make.disabled = true;
        keyStatus.textContent = t("key_making");
        signing.create(me.token, api).then(function (record) {
          make.disabled = false;
          show({ record: record, state: "ready" });
        }, function (res) {
          make.disabled = false;
          keyStatus.textContent = t("key_refused", { why: res && res.status ? problemText(res) : String(res) });
        });
      };
      signingKey(me).then(show);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = input.value.trim();
      input.removeAttribute("aria-invalid");
      error.textContent = "";
      if (!value) {
        input.setAttribute("aria-invalid", "true");
        error.textContent = t("need_sign_in");
        input.focus();
        return;
      }
      status.textContent = t("checking");
      api("GET", "/api/v1/whoami", { token: value }).then(function (res) {
        if (res.status === 200) {
          keep(value);
          input.value = "";
          who = res.body;
          signedIn(res.body);
        } else {
          status.textContent = "";
          input.setAttribute("aria-invalid", "true");
          error.textContent = t("bad_token", { why: problemText(res) });
          input.focus();
        }
      }, function () {
        status.textContent = t("network");
      });
    });

    whoami().then(function (me) { if (me) signedIn(me); });
  }

  // -- the protocol form -------------------------------------------------------------------------

  function lineLabel(line) {
    if (LANG === "ru" && (line.label.ru || line.title)) return line.label.ru || line.title;
    if (line.label[LANG]) return line.label[LANG];
    if (line.label.en && data.labels[line.label.en]) return data.labels[line.label.en];
    return line.label.en || line.title || line.id;
  }

  function optionLabel(option) {
    var name = option.name[LANG] || option.name.en || option.id;
    if (option.party) name += " (" + (option.party[LANG] || option.party.en) + ")";
    return name;
  }

  function protocolPage() {
    var form = $("protocol-form");
    var contestSelect = $("contest"), stationSelect = $("station");
    var summary = $("check-summary"), submitStatus = $("submit-status");
    var current = null; // the form document of the chosen contest
    var labels = {}; // name (line, derived, options) -> text
    var inputs = {}; // field ("lines.found", "votes.amanat") -> input
    var timer = null, seq = 0, lastCheck = null, attempted = false;
    var key = null, policy = "optional"; // the signing key kept for this token, and whether one is needed

    function showSigning() {
      var box = $("signing-state");
      if (key) box.textContent = t("signed_with", { id: key.keyId });
      else box.textContent = policy === "required" ? t("signature_required") : t("key_none");
    }

    /* The body with the commission's signature: the server's canonical copy of the protocol is
       asked for, checked against what was typed, and only then signed here. */
    function signed(made) {
      if (!key) return Promise.resolve(made);
      return api("POST", "/api/v1/protocols/message", { json: made }).then(function (res) {
        if (res.status !== 200) return res;
        var derived = (current.derived || []).map(function (d) { return d.id; });
        if (!signing.matches(res.body, made, derived)) return { status: 0, mismatch: true };
        return signing.sign(key, res.body.message).then(function (signature) {
          return Object.assign({}, made, { key_id: key.keyId, signature: signature });
        });
      });
    }

    function need() { $("need-sign-in").hidden = false; }

    function loadContests() {
      return api("GET", "/api/v1/forms?lang=" + LANG).then(function (res) {
        if (res.status !== 200) { need(); summary.textContent = problemText(res); return; }
        policy = res.body.signatures || "optional";
        showSigning();
        clear(contestSelect);
        res.body.contests.forEach(function (c) {
          contestSelect.appendChild(el("option", { value: c.id, text: c.name }));
        });
        form.hidden = false;
        if (res.body.contests.length) return loadForm(contestSelect.value);
      });
    }

    function loadForm(contest) {
      $("form-body").hidden = true;
      summary.textContent = t("loading");
      return api("GET", "/api/v1/forms/" + encodeURIComponent(contest) + "?lang=" + LANG).then(function (res) {
        if (res.status !== 200) { summary.textContent = problemText(res); return; }
        current = res.body;
        fillStations(current.stations);
        drawForm(current);
        summary.textContent = "";
        $("form-body").hidden = false;
        scheduleCheck(0);
      });
    }

    function fillStations(stations, keepValue) {
      var chosen = keepValue || stationSelect.value;
      clear(stationSelect);
      var sorted = stations.slice().sort(function (a, b) {
        return (a.version > 0) - (b.version > 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
      sorted.forEach(function (s) {
        var state = s.version > 0 ? t("reported", { version: s.version }) : t("not_reported");
        stationSelect.appendChild(el("option", {
          value: s.id, text: s.id + " — " + s.territory_name + " — " + state
        }));
      });
      if (chosen && stations.some(function (s) { return s.id === chosen; })) stationSelect.value = chosen;
    }

    function numberField(container, field, id, text, code) {
      var inputId = "f-" + field.replace(/[^a-zA-Z0-9_-]/g, "_");
      var errId = inputId + "-error";
      var label = el("label", { "for": inputId }, [text + " "]);
      if (code) label.appendChild(el("code", { text: code }));
      var input = el("input", {
        id: inputId, name: field, type: "text", inputmode: "numeric", pattern: "[0-9]*",
        autocomplete: "off", "aria-describedby": errId, "data-field": field
      });
      var wrap = el("div", { className: "field number" }, [label, input, el("p", { className: "field-error", id: errId })]);
      container.appendChild(wrap);
      inputs[field] = input;
      input.addEventListener("input", function () { scheduleCheck(400); });
    }

    function drawForm(doc) {
      var lines = $("lines"), votes = $("votes");
      clear(lines); clear(votes);
      inputs = {};
      labels = { options: t("options"), valid: t("valid") };
      doc.lines.forEach(function (line) {
        labels[line.id] = lineLabel(line);
        numberField(lines, "lines." + line.id, line.id, labels[line.id], line.id);
      });
      doc.options.forEach(function (o) {
        numberField(votes, "votes." + o.id, o.id, optionLabel(o), null);
      });
      $("reason").value = "";
      $("conflict").hidden = true;
      attempted = false;
    }

    function body() {
      var lines = {}, votes = {};
      var bad = [];
      Object.keys(inputs).forEach(function (field) {
        var raw = inputs[field].value.trim();
        if (raw === "") return;
        if (!/^[0-9]{1,10}$/.test(raw)) { bad.push(field); return; }
        var parts = field.split(".");
        (parts[0] === "lines" ? lines : votes)[parts.slice(1).join(".")] = parseInt(raw, 10);
      });
      var reason = $("reason").value.trim();
      var out = {
        station: stationSelect.value, contest: contestSelect.value, lines: lines, votes: votes,
        status: $("status").value, source: "saylau officer page"
      };
      if (reason) out.reason = reason;
      return { body: out, bad: bad };
    }

    function scheduleCheck(delay) {
      if (timer) clearTimeout(timer);
      timer = setTimeout(runCheck, delay);
    }

    function runCheck() {
      if (!current || !stationSelect.value) return;
      var made = body();
      var mine = ++seq;
      api("POST", "/api/v1/protocols/check", { json: made.body }).then(function (res) {
        if (mine !== seq) return; // a newer check is on its way
        if (res.status !== 200) { showProblem(res, summary); return; }
        lastCheck = res.body;
        showCheck(res.body, made.bad);
      }, function () {
        if (mine === seq) summary.textContent = t("network");
      });
    }

    function relationMessage(err) {
      var nums = Object.keys(err.lines || {}).map(function (n) {
        return (labels[n] || n) + " (" + n + ") " + num(err.lines[n]);
      });
      return err.relation + " — " + nums.join("; ");
    }

    /* Next to a field: the relation and its numbers by line name (the labels are beside it). */
    function shortRelation(err) {
      var nums = Object.keys(err.lines || {}).map(function (n) { return n + " " + num(err.lines[n]); });
      return err.relation + " (" + nums.join(", ") + ")";
    }

    function markFields(errors, showMissing) {
      var messages = {};
      Object.keys(inputs).forEach(function (f) { messages[f] = []; });
      errors.forEach(function (err) {
        if (err.kind === "missing" && !showMissing) return;
        var fields = err.fields || [err.field];
        var text = err.kind === "relation" ? t("relation_fails") + " " + shortRelation(err) : err.detail;
        fields.forEach(function (f) {
          if (!messages[f]) return;
          // A relation over every vote is said once under each line it names; each vote field is
          // marked and points to it, so ten identical paragraphs do not drown the form.
          if (err.kind === "relation" && f.indexOf("votes.") === 0) {
            messages[f].push(t("see_relation", { relation: err.relation }));
          } else {
            messages[f].push(text);
          }
        });
      });
      Object.keys(inputs).forEach(function (f) {
        var input = inputs[f];
        var box = $(input.getAttribute("aria-describedby"));
        if (messages[f].length) {
          input.setAttribute("aria-invalid", "true");
          box.textContent = messages[f].join(" ");
        } else {
          input.removeAttribute("aria-invalid");
          box.textContent = "";
        }
      });
    }

    function showCheck(doc, bad) {
      var errors = doc.errors.slice();
      bad.forEach(function (field) {
        errors.push({ field: field, fields: [field], kind: "input", detail: "0 … 1 000 000 000" });
      });
      markFields(errors, attempted);
      clear(summary);
      var serious = errors.filter(function (e) { return e.kind !== "missing"; });
      var missing = errors.filter(function (e) { return e.kind === "missing"; });
      if (serious.length) {
        summary.appendChild(el("p", { className: "bad", text: t("errors_found", { n: serious.length }) }));
        var list = el("ul", { className: "error-list" });
        serious.forEach(function (e) {
          var first = (e.fields || [e.field]).filter(function (f) { return inputs[f]; })[0];
          var text = e.kind === "relation" ? t("relation_fails") + " " + relationMessage(e) : (e.field + ": " + e.detail);
          var item = el("li");
          if (first) {
            var link = el("a", { href: "#" + inputs[first].id, text: text });
            link.addEventListener("click", function (ev) { ev.preventDefault(); inputs[first].focus(); });
            item.appendChild(link);
          } else {
            item.textContent = text;
          }
          list.appendChild(item);
        });
        summary.appendChild(list);
      } else if (!missing.length) {
        summary.appendChild(el("p", { className: "good", text: t("all_good") }));
      }
      if (missing.length) {
        var names = missing.map(function (e) { var n = e.field.split(".")[1]; return labels[n] || n; });
        summary.appendChild(el("p", { text: t("still_empty", { lines: names.join("; ") }) }));
      }
      (doc.warnings || []).forEach(function (w) {
        summary.appendChild(el("p", { className: "warn", text: t("warning") + " " + relationMessage(w) }));
      });
      if (doc.result) {
        var version = doc.stored ? doc.stored.version : 0;
        summary.appendChild(el("p", { text: t("would_" + doc.result, { version: version }) }));
      }
    }

    function showProblem(res, box) {
      clear(box);
      var b = res.body || {};
      if (res.status === 401) { need(); }
      var key = res.status === 403 ? "forbidden" : res.status >= 500 || res.status === 429 ? "server_error" : "refused";
      box.appendChild(el("p", { className: "bad", text: t(key, { why: problemText(res), status: res.status }) }));
      if (b.errors && b.errors.length) {
        var list = el("ul", { className: "error-list" });
        b.errors.forEach(function (e) { list.appendChild(el("li", { text: e.detail })); });
        box.appendChild(list);
      }
    }

    function showConflict(made) {
      var stored = lastCheck && lastCheck.stored;
      var section = $("conflict"), table = $("conflict-table");
      clear(table);
      $("conflict-text").textContent = t("conflict");
      if (stored) {
        var head = el("tr", {}, [
          el("th", { scope: "col", text: t("line") }),
          el("th", { scope: "col", className: "num", text: t("stored") + " (v" + stored.version + ")" }),
          el("th", { scope: "col", className: "num", text: t("yours") })
        ]);
        table.appendChild(el("thead", {}, [head]));
        var tbody = el("tbody");
        var rows = [];
        current.lines.forEach(function (line) {
          rows.push([labels[line.id], stored.lines[line.id], made.lines[line.id]]);
        });
        current.options.forEach(function (o) {
          rows.push([optionLabel(o), stored.votes[o.id], made.votes[o.id] === undefined ? 0 : made.votes[o.id]]);
        });
        rows.forEach(function (r) {
          var differs = r[1] !== r[2];
          var tr = el("tr", differs ? { className: "differs" } : {}, [
            el("th", { scope: "row", text: r[0] }),
            el("td", { className: "num", text: r[1] === undefined ? "—" : num(r[1]) }),
            el("td", { className: "num", text: (r[2] === undefined ? "—" : num(r[2])) + (differs ? " ≠" : "") })
          ]);
          tbody.appendChild(tr);
        });
        table.appendChild(tbody);
      }
      section.hidden = false;
      var reason = $("reason");
      reason.setAttribute("aria-invalid", "true");
      $("reason-error").textContent = t("reason_needed");
      reason.focus();
    }

    function showAccepted(result) {
      var facts = $("accepted-facts");
      clear(facts);
      $("accepted-text").textContent = t("result_" + result.result, { version: result.version });
      function fact(name, value, code) {
        facts.appendChild(el("dt", { text: name }));
        facts.appendChild(el("dd", {}, [code ? el("code", { text: String(value) }) : String(value)]));
      }
      fact(t("station"), result.station);
      fact(t("version"), result.version);
      fact(t("status"), t("status_" + result.status));
      fact(t("hash"), result.content_hash, true);
      fact(t("audit_seq"), result.audit_seq);
      if (result.key_id !== undefined) {
        fact(t("signature"), result.key_id ? result.key_id : t("not_signed"), !!result.key_id);
      }
      $("accepted").hidden = false;
      $("accepted").focus();
      var query = "?station=" + encodeURIComponent(result.station) + "&contest=" + encodeURIComponent(result.contest);
      api("GET", "/api/v1/protocols" + query).then(function (res) {
        if (res.status !== 200) return;
        var versions = res.body.contests[0].versions;
        var v = versions.filter(function (x) { return x.version === result.version; })[0];
        if (!v) return;
        fact(t("actor"), v.actor);
        fact(t("at"), v.at);
        if (v.reason) fact(t("reason"), v.reason);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      attempted = true;
      var made = body();
      $("reason-error").textContent = "";
      $("reason").removeAttribute("aria-invalid");
      $("accepted").hidden = true;
      if (made.bad.length) { runCheck(); inputs[made.bad[0]].focus(); return; }
      submitStatus.textContent = key ? t("signing") : t("submitting");
      var button = $("submit");
      button.disabled = true;
      signed(made.body).then(function (sent) {
        if (sent.mismatch) return { status: 0, mismatch: true };
        if (sent.status && !sent.station) return sent;  // the message was refused: show why
        submitStatus.textContent = t("submitting");
        return api("POST", "/api/v1/protocols", { json: sent });
      }).then(function (res) {
        button.disabled = false;
        if (res.mismatch) { submitStatus.textContent = t("content_mismatch"); return; }
        submitStatus.textContent = "";
        if (res.status === 200 || res.status === 201) {
          $("conflict").hidden = true;
          submitStatus.textContent = t("result_" + res.body.result, { version: res.body.version });
          var signedBy = res.body.result === "unchanged" ? undefined : (key ? key.keyId : null);
          showAccepted(Object.assign({ key_id: signedBy }, res.body));
          // the station list shows it reported now
          api("GET", "/api/v1/forms/" + encodeURIComponent(made.body.contest) + "?lang=" + LANG).then(function (r) {
            if (r.status === 200) { current.stations = r.body.stations; fillStations(r.body.stations, made.body.station); }
          });
          return;
        }
        if (res.status === 409) {
          api("POST", "/api/v1/protocols/check", { json: made.body }).then(function (r) {
            if (r.status === 200) lastCheck = r.body;
            showConflict(made.body);
          });
          submitStatus.textContent = t("conflict");
          return;
        }
        showProblem(res, submitStatus);
        if (res.status === 422 && res.body && res.body.errors) {
          showCheck({ errors: res.body.errors.map(function (e) {
            return e.kind ? e : Object.assign({ kind: e.relation ? "relation" : "input", fields: [e.field] }, e);
          }), warnings: [] }, []);
          var invalid = form.querySelector("[aria-invalid=true]");
          if (invalid) invalid.focus();
        }
      }, function () {
        button.disabled = false;
        submitStatus.textContent = t("network");
      });
    });

    contestSelect.addEventListener("change", function () { loadForm(contestSelect.value); });
    stationSelect.addEventListener("change", function () {
      $("conflict").hidden = true;
      $("accepted").hidden = true;
      scheduleCheck(0);
    });
    $("status").addEventListener("change", function () { scheduleCheck(0); });
    $("reason").addEventListener("input", function () { scheduleCheck(600); });

    whoami().then(function (me) {
      if (!me) { need(); return; }
      if (me.role !== "admin" && me.role !== "commission") {
        $("need-sign-in").hidden = false;
        $("need-sign-in").firstChild.textContent = t("not_writer") + " ";
        return;
      }
      signingKey(me).then(function (found) {
        key = found.state === "ready" ? found.record : null;
        showSigning();
        loadContests();
      });
    });
  }

  // -- uploading a file ----------------------------------------------------------------------------

  function uploadPage() {
    var form = $("upload-form"), status = $("upload-status-box");
    var box = $("upload-errors"), table = $("upload-errors-table");

    function errorsTable(errors) {
      clear(table);
      var head = el("tr", {}, [
        el("th", { scope: "col", className: "num", text: t("row") }),
        el("th", { scope: "col", text: t("station") }),
        el("th", { scope: "col", text: t("relation") }),
        el("th", { scope: "col", text: t("problem") })
      ]);
      table.appendChild(el("thead", {}, [head]));
      var tbody = el("tbody");
      errors.forEach(function (e) {
        tbody.appendChild(el("tr", {}, [
          el("td", { className: "num", text: e.line === undefined ? "—" : String(e.line) }),
          el("td", {}, [el("code", { text: e.station || "—" })]),
          el("td", {}, [el("code", { text: e.relation || "" })]),
          el("td", { text: e.detail })
        ]));
      });
      table.appendChild(tbody);
      box.hidden = false;
    }

    var key = null, policy = "optional";

    function showSigning() {
      var box = $("signing-state");
      if (key) box.textContent = t("signed_with", { id: key.keyId });
      else box.textContent = policy === "required" ? t("signature_required") : t("key_none");
    }

    function fields(file) {
      var formData = new FormData();
      formData.append("file", file.files[0], file.files[0].name);
      formData.append("status", $("upload-status").value);
      var reason = $("upload-reason").value.trim();
      if (reason) formData.append("reason", reason);
      if ($("upload-contest").value) formData.append("contest", $("upload-contest").value);
      return formData;
    }

    /* With a key: the file's protocols as the server reads them, each signed here, then the file
       again with the signatures; without one, the file as it is. */
    function upload(file) {
      if (!key) return api("POST", "/api/v1/protocols/file", { body: fields(file) });
      return api("POST", "/api/v1/protocols/file/contents", { body: fields(file) }).then(function (res) {
        if (res.status !== 200) return res;
        return Promise.all(res.body.protocols.map(function (p) {
          return signing.sign(key, p.message).then(function (signature) {
            return { station: p.station, contest: p.contest, signature: signature };
          });
        })).then(function (signatures) {
          var formData = fields(file);
          formData.append("key_id", key.keyId);
          formData.append("signatures", JSON.stringify(signatures));
          return api("POST", "/api/v1/protocols/file", { body: formData });
        });
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = $("file");
      $("file-error").textContent = "";
      file.removeAttribute("aria-invalid");
      box.hidden = true;
      if (!file.files || !file.files.length) {
        file.setAttribute("aria-invalid", "true");
        $("file-error").textContent = t("no_file");
        file.focus();
        return;
      }
      status.textContent = key ? t("signing") : t("uploading");
      upload(file).then(function (res) {
        clear(status);
        if (res.status === 201) {
          var b = res.body;
          status.appendChild(el("p", { className: "good", text: t("upload_stored", {
            n: b.protocols, "new": b["new"], corrected: b.corrected, unchanged: b.unchanged
          }) }));
          (b.warnings || []).forEach(function (w) {
            status.appendChild(el("p", { className: "warn", text: t("warning") + " " + w }));
          });
          return;
        }
        if (res.status === 401) { $("need-sign-in").hidden = false; }
        var key = res.status === 409 ? "upload_conflict" : res.status === 422 || res.status === 403 ? "upload_refused" : null;
        status.appendChild(el("p", { className: "bad", text: key ? t(key) : t("server_error", { status: res.status }) }));
        status.appendChild(el("p", { text: problemText(res) }));
        if (res.body && res.body.errors && res.body.errors.length) errorsTable(res.body.errors);
        file.setAttribute("aria-invalid", "true");
      }, function () {
        status.textContent = t("network");
      });
    });

    whoami().then(function (me) {
      if (!me) { $("need-sign-in").hidden = false; return; }
      if (me.role !== "admin" && me.role !== "commission") {
        $("need-sign-in").hidden = false;
        $("need-sign-in").firstChild.textContent = t("not_writer") + " ";
        return;
      }
      form.hidden = false;
      signingKey(me).then(function (found) {
        key = found.state === "ready" ? found.record : null;
        showSigning();
      });
      api("GET", "/api/v1/forms?lang=" + LANG).then(function (res) {
        if (res.status !== 200) return;
        policy = res.body.signatures || "optional";
        showSigning();
        res.body.contests.forEach(function (c) {
          $("upload-contest").appendChild(el("option", { value: c.id, text: c.name }));
        });
      });
    });
  }

  if (data.page === "signin") signInPage();
  else if (data.page === "protocol") protocolPage();
  else if (data.page === "upload") uploadPage();
  else whoami();
})();
