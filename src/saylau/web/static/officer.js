/* The officer pages: sign in with a token, enter a protocol (checked as it is typed), upload a file.
   The token is kept in sessionStorage only: never a cookie, a URL or a log line. Texts come from
   the page (officer.po, rendered by the server) in #officer-data. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("officer-data").textContent);
  var M = Object.assign({}, data.messages, data.texts);
  var LANG = data.lang;

  var dom = window.saylauDom;  // static/dom.js
  var t = dom.translator(M), $ = dom.$, el = dom.el, clear = dom.clear;

  // Figures and times as the server writes them in this language (never the browser's Intl).
  function num(n) { return typeof n === "number" ? dom.number(n) : String(n); }

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
    /* whoami names the token's territory in the page's language: no need for the whole
       election (a megabyte on a ballot day of every council) to say where the officer writes */
    return api("GET", "/api/v1/whoami?lang=" + LANG).then(function (res) {
      if (res.status !== 200) { forget(); return null; }
      who = res.body;
      showWho(who, who.territory_name);
      return who;
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
      var names = {};  // the token's territory, named by whoami in the page's language
      if (me.territory) names[me.territory] = me.territory_name || me.territory;
      $("who-role").textContent = roleText(me.role);
      $("who-territory").textContent = me.territory
        ? (me.territory_name || me.territory) + " (" + me.territory + ")" : t("everywhere");
      $("who-name").textContent = me.name || "—";
      $("who-token").textContent = me.token || "—";
      $("who-expires").textContent = me.expires_at ? dom.dateTime(me.expires_at) : "—";
      form.hidden = true;
      $("signed-in").hidden = false;
      status.textContent = t("signed_in") + ": " + roleText(me.role) +
        (me.role === "admin" || me.role === "commission" ? "" : ". " + t("not_writer"));
      showWho(me, me.territory ? names[me.territory] : null);
      keySection(me, names);
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
      api("GET", "/api/v1/whoami?lang=" + LANG, { token: value }).then(function (res) {
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

  // -- control relations in the officer's words ---------------------------------------------------

  var OP = /^(.*?)(<=|>=|=)(.*)$/;
  var OP_NAME = { "=": "eq", "<=": "le", ">=": "ge" };
  var BROKEN = { "=": "\u2260", "<=": ">", ">=": "<" };
  var HOLDS = {
    "=": function (x) { return x === 0; },
    "<=": function (x) { return x <= 0; },
    ">=": function (x) { return x >= 0; }
  };

  /* "a + b - c" -> [{sign: 1, name: "a"}, {sign: 1, name: "b"}, {sign: -1, name: "c"}] */
  function parseSum(text) {
    var out = [], sign = 1;
    String(text).trim().split(/\s+/).forEach(function (token) {
      if (token === "+") sign = 1;
      else if (token === "-") sign = -1;
      else if (token) {
        if (token.charAt(0) === "-") { sign = -1; token = token.slice(1); }
        out.push({ sign: sign, name: token });
        sign = 1;
      }
    });
    return out;
  }

  /* "found <= issued" (as the form writes it) -> {left, op, right}; null if it is not one. */
  function parseRelation(text) {
    var m = OP.exec(String(text || ""));
    return m ? { left: parseSum(m[1]), op: m[2], right: parseSum(m[3]) } : null;
  }

  /* What a protocol form's relations are written with, in the page's language: each line's number
     (its place on the paper form, the order the form file gives) and words, the words of the
     named sums (`labels`: valid ballots, the votes for every option) and each derived line's sum.
     `doc` is GET /api/v1/forms/{contest}: the form's lines, derived lines, relations and options. */
  function relationWords(doc, labels) {
    var lines = {}, derived = {};
    doc.lines.forEach(function (line, i) {
      // a form whose words already begin with the number ("1. Voters on the list") says it once
      lines[line.id] = { n: i + 1, label: lineLabel(line).replace(/^\d+(\.\d+)*\.?\s+/, "") };
    });
    (doc.derived || []).forEach(function (d) { derived[d.id] = parseSum(d.sum); });
    var options = (doc.options || []).map(function (o) { return o.id; });

    function term(name) {
      if (lines[name]) return t("line_term", { n: lines[name].n, label: lines[name].label });
      if (labels[name]) return t("named_term", { label: labels[name] });
      if (derived[name]) return "(" + side(derived[name]) + ")";
      return name;
    }

    function side(terms) {
      return terms.map(function (x, i) {
        var sign = x.sign < 0 ? (i ? " \u2212 " : "\u2212") : (i ? " + " : "");
        return sign + term(x.name);
      }).join("");
    }

    function total(terms, values) {
      return terms.reduce(function (sum, x) { return sum + x.sign * values[x.name]; }, 0);
    }

    /* "794" for one line; "993 (793 + 200)" for a sum. */
    function figures(terms, values) {
      if (terms.length === 1 && terms[0].sign > 0) return num(values[terms[0].name]);
      var parts = terms.map(function (x, i) {
        var sign = x.sign < 0 ? (i ? " \u2212 " : "\u2212") : (i ? " + " : "");
        return sign + num(values[x.name]);
      }).join("");
      return num(total(terms, values)) + " (" + parts + ")";
    }

    /* A broken relation as a sentence: "Line 6 “…” must not be more than line 3 “…”: 794 > 793".
       `values` gives every name it uses (the check's `lines`); without them, no figures. */
    function sentence(relation, values) {
      var rel = parseRelation(relation);
      if (!rel) return String(relation);
      var known = values && rel.left.concat(rel.right).every(function (x) { return typeof values[x.name] === "number"; });
      var now = known ? figures(rel.left, values) + " " + BROKEN[rel.op] + " " + figures(rel.right, values) : "\u2026";
      return capital(t("rel_" + OP_NAME[rel.op], { left: side(rel.left), right: side(rel.right), now: now }));
    }

    /* Each name a relation uses as the fields it is made of, with their signs: a line its own
       field, `options` every vote, a derived line what it sums. */
    function fieldsOf(name, sign, into) {
      if (lines[name]) {
        into["lines." + name] = (into["lines." + name] || 0) + sign;
      } else if (name === "options") {
        options.forEach(function (o) { into["votes." + o] = (into["votes." + o] || 0) + sign; });
      } else if (derived[name]) {
        derived[name].forEach(function (x) { fieldsOf(x.name, sign * x.sign, into); });
      } else {
        return false;
      }
      return true;
    }

    /* The likely typing error, as exact integers: the figures of one field that, changed by the
       smallest amount, make every broken relation hold while breaking none that holds (and stay
       0 or more). For each field of a broken relation, each relation checked gives the change d
       an interval (an equation one point, an inequality a half-line); their intersection's
       member nearest 0 is that field's fix. The fields with the smallest fix are returned, at
       most `most` of them (more than that is no hint: several figures would do as well); none if
       no single field can fix it all. `values`: field -> typed figure (an empty vote counts 0, as
       the server counts it); relations whose lines are not all typed are not checked. */
    function suggest(relations, values, most) {
      var checked = [];
      relations.forEach(function (text) {
        var rel = parseRelation(text);
        if (!rel) return;
        var coef = {};
        var ok = rel.left.every(function (x) { return fieldsOf(x.name, x.sign, coef); }) &&
          rel.right.every(function (x) { return fieldsOf(x.name, -x.sign, coef); });
        if (!ok) return;
        var present = Object.keys(coef).every(function (f) { return typeof values[f] === "number"; });
        if (!present) return;
        var gap = Object.keys(coef).reduce(function (sum, f) { return sum + coef[f] * values[f]; }, 0);
        checked.push({ op: rel.op, coef: coef, gap: gap, holds: HOLDS[rel.op](gap) });
      });
      var broken = checked.filter(function (r) { return !r.holds; });
      if (!broken.length) return [];
      var candidates = {};
      broken.forEach(function (r) {
        Object.keys(r.coef).forEach(function (f) { if (r.coef[f]) candidates[f] = true; });
      });
      var found = [];
      Object.keys(candidates).forEach(function (field) {
        var low = -values[field], high = Infinity;  // a count is never below 0
        var possible = checked.every(function (r) {
          // changed by d, the relation holds when c * d (op) need
          var c = r.coef[field] || 0, need = -r.gap, op = r.op;
          if (c === 0) return r.holds;
          if (c < 0) {  // both sides times -1: the same with c > 0, an inequality turned round
            c = -c; need = -need;
            op = op === "<=" ? ">=" : op === ">=" ? "<=" : op;
          }
          if (op === "=") {
            if (need % c !== 0) return false;
            low = Math.max(low, need / c); high = Math.min(high, need / c);
          } else if (op === "<=") {
            high = Math.min(high, floorDiv(need, c));
          } else {
            low = Math.max(low, -floorDiv(-need, c));
          }
          return true;
        });
        if (!possible || low > high) return;
        var d = low > 0 ? low : high < 0 ? high : 0;
        if (d !== 0) found.push({ field: field, value: values[field] + d, change: Math.abs(d) });
      });
      if (!found.length) return [];
      var least = Math.min.apply(null, found.map(function (x) { return x.change; }));
      var best = found.filter(function (x) { return x.change === least; });
      return best.length <= most ? best : [];
    }

    /* Every name a relation may use, from the fields' figures (field -> number): the lines typed,
       `options` (an empty vote counts 0, as the server counts it) and what is derived from them. */
    function named(values) {
      var out = {};
      Object.keys(lines).forEach(function (name) {
        if (typeof values["lines." + name] === "number") out[name] = values["lines." + name];
      });
      out.options = options.reduce(function (sum, o) { return sum + (values["votes." + o] || 0); }, 0);
      var more = true;
      while (more) {  // derived lines may sum derived lines
        more = false;
        Object.keys(derived).forEach(function (name) {
          if (name in out || !derived[name].every(function (x) { return x.name in out; })) return;
          out[name] = total(derived[name], out);
          more = true;
        });
      }
      return out;
    }

    /* The fields a relation is made of (a refusal of POST /protocols names none). */
    function fields(relation) {
      var rel = parseRelation(relation), into = {};
      if (rel) rel.left.concat(rel.right).forEach(function (x) { fieldsOf(x.name, 1, into); });
      return Object.keys(into);
    }

    return { sentence: sentence, term: term, suggest: suggest, named: named, fields: fields };
  }

  function capital(text) { return text.charAt(0).toUpperCase() + text.slice(1); }

  /* a / b rounded down, exactly, for whole numbers and b > 0. */
  function floorDiv(a, b) {
    var q = Math.floor(a / b);
    if (q * b > a) q -= 1;
    else if ((q + 1) * b <= a) q += 1;
    return q;
  }

  /* The figures a refusal's detail names ("found = invalid + valid does not hold: found 300,
     invalid 3 + valid 294 = 297"): name -> number. */
  function detailFigures(detail) {
    var out = {}, text = String(detail || ""), at = text.indexOf(":");
    var re = /([a-z][a-z0-9_]*) (-?\d+)/g, m;
    text = at >= 0 ? text.slice(at + 1) : text;
    while ((m = re.exec(text)) !== null) out[m[1]] = parseInt(m[2], 10);
    return out;
  }

  function protocolPage() {
    var form = $("protocol-form");
    var contestSelect = $("contest"), stationSelect = $("station");
    var summary = $("check-summary"), submitStatus = $("submit-status");
    var current = null; // the form document of the chosen contest
    var labels = {}; // name (line, derived, options) -> text
    var words = null; // the chosen contest's relations in words (relationWords)
    var inputs = {}; // field ("lines.found", "votes.amanat") -> input
    var timer = null, seq = 0, lastCheck = null, attempted = false;
    var key = null, policy = "optional"; // the signing key kept for this token, and whether one is needed
    var entryMode = "single"; // "double": a protocol counts when two officers have entered the same

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
        entryMode = res.body.entry_mode || "single";
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
        labels["votes." + o.id] = optionLabel(o);
        numberField(votes, "votes." + o.id, o.id, optionLabel(o), null);
      });
      words = relationWords(doc, { options: t("options"), valid: t("valid") });
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

    /* The figures typed: field -> number (what is empty or not a number is left out). */
    function typed() {
      var out = {};
      Object.keys(inputs).forEach(function (field) {
        var raw = inputs[field].value.trim();
        if (/^[0-9]{1,10}$/.test(raw)) out[field] = parseInt(raw, 10);
      });
      return out;
    }

    /* A field in words: "line 6 «…»" for a line, "«…»" for a vote. */
    function fieldTerm(field) {
      var parts = field.split("."), name = parts.slice(1).join(".");
      if (parts[0] === "lines" && words) return words.term(name);
      return t("named_term", { label: labels[field] || labels[name] || name });
    }

    /* A broken relation as a sentence in the page's language, with the figures of the check (or,
       for a refusal that has none, those typed). */
    function relationMessage(err) {
      return words ? words.sentence(err.relation, err.lines || words.named(typed())) : String(err.relation);
    }

    /* What is wrong with one figure, in words: out of its bounds, not a whole number, missing. */
    function problemMessage(err) {
      if (err.kind === "relation") return t("relation_fails") + " " + relationMessage(err);
      var field = (err.fields || [err.field])[0];
      if (!inputs[field]) return err.field + ": " + err.detail;  // the station, the contest: as the server says
      if (err.kind === "missing") return t("still_empty", { lines: fieldTerm(field) });
      var figure = typed()[field];
      if (typeof err.bound === "number" && typeof figure === "number") {
        var key = figure > err.bound ? "bound_above" : "bound_below";
        return capital(t(key, { line: fieldTerm(field), figure: num(figure), bound: num(err.bound) }));
      }
      return capital(t("not_a_count", { line: fieldTerm(field), most: num(1000000000) }));
    }

    /* Mark the fields the errors are about, and only those: a relation marks the lines it names;
       a relation over the sum of the votes is said once beside the votes (no one vote is more
       to blame than another), unless `suspect` names the vote likely mistyped. */
    function markFields(errors, showMissing, suspect) {
      var messages = {}, votes = [];
      Object.keys(inputs).forEach(function (f) { messages[f] = []; });
      errors.forEach(function (err) {
        if (err.kind === "missing" && !showMissing) return;
        var fields = err.fields || [err.field];
        // beside a field the sentence alone: its red mark already says something is wrong
        var text = err.kind === "relation" ? relationMessage(err) : problemMessage(err);
        var sumOfVotes = false;
        fields.forEach(function (f) {
          if (!messages[f]) return;
          if (err.kind === "relation" && f.indexOf("votes.") === 0) { sumOfVotes = true; return; }
          messages[f].push(text);
        });
        if (sumOfVotes) votes.push(t("see_relation", { relation: relationMessage(err) }));
      });
      if (suspect && messages[suspect.field]) messages[suspect.field].push(t("suggest_here", { value: num(suspect.value) }));
      Object.keys(inputs).forEach(function (f) {
        var input = inputs[f];
        var box = $(input.getAttribute("aria-describedby"));
        clear(box);
        if (messages[f].length) {
          input.setAttribute("aria-invalid", "true");
          lined(box, messages[f]);
        } else {
          input.removeAttribute("aria-invalid");
        }
      });
      var votesBox = $("votes-error");
      clear(votesBox);
      lined(votesBox, votes);
    }

    /* Each message on a line of its own. */
    function lined(box, texts) {
      texts.forEach(function (text, i) {
        if (i) { box.appendChild(document.createTextNode(" ")); box.appendChild(el("br")); }
        box.appendChild(document.createTextNode(text));
      });
    }

    /* The one-line hint at the likely typing error (relationWords.suggest), once every line is
       typed and every figure is a number: the figures to look at; none when no one stands out. */
    function likelyTypo(errors) {
      if (!words || !current) return [];
      if (errors.some(function (e) { return e.kind !== "relation"; })) return [];
      if (!errors.some(function (e) { return e.kind === "relation"; })) return [];
      var relations = (current.relations || []).filter(function (r) { return r.severity !== "warning"; })
        .map(function (r) { return r.relation; });
      var values = typed();
      (current.options || []).forEach(function (o) {
        if (values["votes." + o.id] === undefined) values["votes." + o.id] = 0;
      });
      return words.suggest(relations, values, 3);
    }

    function showCheck(doc, bad) {
      var errors = doc.errors.map(function (e) {
        var named = (e.fields || []).some(function (f) { return inputs[f]; });
        return e.kind === "relation" && !named && words ? Object.assign({}, e, { fields: words.fields(e.relation) }) : e;
      });
      bad.forEach(function (field) {
        errors.push({ field: field, fields: [field], kind: "input", detail: "0 … 1 000 000 000" });
      });
      var typos = likelyTypo(errors);
      markFields(errors, attempted, typos.length === 1 ? typos[0] : null);
      clear(summary);
      var serious = errors.filter(function (e) { return e.kind !== "missing"; });
      var missing = errors.filter(function (e) { return e.kind === "missing"; });
      if (serious.length) {
        summary.appendChild(el("p", { className: "bad", text: t("errors_found", { n: serious.length }) }));
        var list = el("ul", { className: "error-list" });
        serious.forEach(function (e) {
          var first = (e.fields || [e.field]).filter(function (f) { return inputs[f]; })[0];
          var text = problemMessage(e);
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
      if (typos.length) {
        var hint = typos.length === 1
          ? t("suggest_one", { line: fieldTerm(typos[0].field), value: num(typos[0].value) })
          : t("suggest_some", { choices: typos.map(function (x) {
            return fieldTerm(x.field) + " \u2192 " + num(x.value);
          }).join("; ") });
        summary.appendChild(el("p", { id: "likely-typo", text: capital(hint) }));
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
        // under double entry what is sent is this officer's entry: it counts only when a second
        // officer has entered the same (a first version, a correction or a finalisation alike)
        var would = entryMode === "double" && doc.result !== "unchanged" ? "would_entry" : "would_" + doc.result;
        summary.appendChild(el("p", { text: t(would, { version: version }) }));
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
        b.errors.forEach(function (e) { list.appendChild(el("li", { text: problemMessage(refusal(e)) })); });
        box.appendChild(list);
      }
    }

    /* An error of a refusal (POST /protocols answers the checker's errors as they are) in the
       shape of a check's: its kind, and the fields it is about. */
    function refusal(e) {
      if (e.kind) return e;
      var kind = e.relation ? "relation" : /^missing/.test(e.detail || "") ? "missing" : "input";
      return Object.assign({ kind: kind, fields: [e.field] }, e);
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
        fact(t("at"), dom.dateTime(v.at));
        if (v.reason) fact(t("reason"), v.reason);
      });
    }

    // -- double entry: an entry stored, the protocol not counted until two officers agree ---------

    var ENTRY_POLL_MS = 2000;
    var watching = null; // {station, contest, version, timer}: the entry whose fate is shown

    function stopWatching() {
      if (watching && watching.timer) clearTimeout(watching.timer);
      watching = null;
      $("entry-state").hidden = true;
    }

    function differenceLabel(d) {
      if (d.kind === "line") return labels[d.id] || d.id;
      if (d.kind === "option") return labels["votes." + d.id] || d.id;
      return t("status");
    }

    function differenceValue(d, value) {
      if (value === null || value === undefined) return "—";
      return d.kind === "status" ? t("status_" + value) : num(value);
    }

    /* What became of this officer's entry: `awaiting` a second officer, `differs` from the other
       officer's (each differing line with both figures), or `agreed` (the protocol counts). */
    function showEntry(state) {
      var table = $("entry-diff-table"), wrap = $("entry-diff-wrap");
      var text;
      if (state.result === "agreed") text = t("entry_agreed", { version: state.version });
      else if (state.result === "differs") text = t("entry_differs", { actor: state.other_actor || "—" });
      else text = t(state.same_actor ? "entry_awaiting_same" : "entry_awaiting");
      $("entry-state-text").textContent = text;
      clear(table);
      var diffs = state.result === "differs" ? state.differences || [] : [];
      if (diffs.length) {
        table.appendChild(el("thead", {}, [el("tr", {}, [
          el("th", { scope: "col", text: t("line") }),
          el("th", { scope: "col", className: "num", text: t("entry_yours") }),
          el("th", { scope: "col", className: "num", text: t("entry_other") })
        ])]));
        var tbody = el("tbody");
        diffs.forEach(function (d) {
          tbody.appendChild(el("tr", { className: "differs", "data-difference": d.kind + ":" + d.id }, [
            el("th", { scope: "row", text: differenceLabel(d) }),
            el("td", { className: "num", text: differenceValue(d, d["this"]) }),
            el("td", { className: "num", text: differenceValue(d, d.other) + " ≠" })
          ]));
        });
        table.appendChild(tbody);
      }
      wrap.hidden = !diffs.length;
      $("entry-state").hidden = false;
    }

    /* Follow an entry until the protocol counts: the other officer's entry, when it comes (or is
       corrected), is shown here as it is to them. */
    function watch(station, contest, version, sameActor) {
      if (watching && watching.timer) clearTimeout(watching.timer);
      var w = watching = { station: station, contest: contest, version: version, timer: null };
      var query = "?station=" + encodeURIComponent(station) + "&contest=" + encodeURIComponent(contest);
      function again() { if (watching === w) w.timer = setTimeout(poll, ENTRY_POLL_MS); }
      function poll() {
        if (watching !== w) return;
        api("GET", "/api/v1/protocols/entries" + query).then(function (res) {
          if (watching !== w) return;
          if (res.status === 200) {
            var b = res.body;
            if (b.version > version) {
              showEntry({ result: "agreed", version: b.version });
              w.timer = null;
              refreshStations(contest, station);
              return;
            }
            if (b.differences.length) {
              showEntry({ result: "differs", differences: b.differences, other_actor: b.other_actor });
            } else {
              showEntry({ result: "awaiting", same_actor: sameActor });
            }
          }
          again();
        }, again);
      }
      again();
    }

    function refreshStations(contest, station) {
      api("GET", "/api/v1/forms/" + encodeURIComponent(contest) + "?lang=" + LANG).then(function (r) {
        if (r.status === 200 && current && current.contest.id === contest) {
          current.stations = r.body.stations;
          fillStations(r.body.stations, station);
        }
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      attempted = true;
      var made = body();
      $("reason-error").textContent = "";
      $("reason").removeAttribute("aria-invalid");
      $("accepted").hidden = true;
      stopWatching();
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
        if (res.status === 202) {  // double entry: stored as this officer's entry, not counted yet
          $("conflict").hidden = true;
          showEntry(res.body);  // said once, in the section's own live region
          watch(made.body.station, made.body.contest, res.body.version, res.body.same_actor);
          $("entry-state").focus();
          return;
        }
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
          showCheck({ errors: res.body.errors.map(refusal), warnings: [] }, []);
          var invalid = form.querySelector("[aria-invalid=true]");
          if (invalid) invalid.focus();
        }
      }, function () {
        button.disabled = false;
        submitStatus.textContent = t("network");
      });
    });

    contestSelect.addEventListener("change", function () { stopWatching(); loadForm(contestSelect.value); });
    stationSelect.addEventListener("change", function () {
      $("conflict").hidden = true;
      $("accepted").hidden = true;
      stopWatching();
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
    var words = null; // the election's form in words, once loaded (relationWords)

    /* A refused row's problem: a broken relation in the page's language, with the figures its
       detail names (the relation column keeps the file's column names); anything else as the
       server says it. */
    function rowProblem(e) {
      if (!e.relation || !words) return e.detail;
      return t("relation_fails") + " " + words.sentence(e.relation, detailFigures(e.detail));
    }

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
          el("td", { text: rowProblem(e) })
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

    /* A file under double entry: how many of its entries counted, await a second officer, differ. */
    function showEntered(b) {
      status.appendChild(el("p", { className: b.differing ? "warn" : "good", text: t("upload_entered", {
        n: num(b.protocols), counted: num(b.counted), awaiting: num(b.awaiting), differing: num(b.differing)
      }) }));
      if (b.differs && b.differs.length) {
        status.appendChild(el("p", { text: t("upload_differs") }));
        var list = el("ul", { className: "error-list", id: "upload-differs" });
        b.differs.forEach(function (d) {
          list.appendChild(el("li", {}, [el("code", { text: d.station }), " · " + d.contest + " · " + (d.other_actor || "")]));
        });
        status.appendChild(list);
      }
      (b.warnings || []).forEach(function (w) {
        status.appendChild(el("p", { className: "warn", text: t("warning") + " " + w }));
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
        if (res.status === 201 && res.body.entry_mode === "double") {
          showEntered(res.body);
          return;
        }
        if (res.status === 201) {
          var b = res.body;
          status.appendChild(el("p", { className: "good", text: t("upload_stored", {
            n: num(b.protocols), "new": num(b["new"]), corrected: num(b.corrected), unchanged: num(b.unchanged)
          }) }));
          (b.warnings || []).forEach(function (w) {
            status.appendChild(el("p", { className: "warn", text: t("warning") + " " + w }));
          });
          return;
        }
        if (res.status === 401) { $("need-sign-in").hidden = false; }
        var key = res.status === 409 ? "upload_conflict" : res.status === 422 || res.status === 403 ? "upload_refused" : null;
        status.appendChild(el("p", { className: "bad", text: key ? t(key) : t("server_error", { status: res.status }) }));
        // the rows refused say it in the page's language; the server's sentence only when there are none
        if (res.body && res.body.errors && res.body.errors.length) errorsTable(res.body.errors);
        else status.appendChild(el("p", { text: problemText(res) }));
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
        if (!res.body.contests.length) return;
        // one form for the whole election: its lines' numbers and words name the relations
        api("GET", "/api/v1/forms/" + encodeURIComponent(res.body.contests[0].id) + "?lang=" + LANG).then(function (r) {
          if (r.status === 200) words = relationWords(r.body, { options: t("options"), valid: t("valid") });
        });
      });
    });
  }

  if (data.page === "signin") signInPage();
  else if (data.page === "protocol") protocolPage();
  else if (data.page === "upload") uploadPage();
  else whoami();
})();
