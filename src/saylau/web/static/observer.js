/* The observers' page: sign in with an observer (or admin) token, then fetch the statistical
   checks (/api/v1/forensics) and the fingerprint heat map with it. The token is kept in
   sessionStorage only, under the officer pages' key (one sign-in for both): never a cookie, a URL
   or a log line. Texts come from the page (observer.po, rendered by the server) in #observer-data. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("observer-data").textContent);
  var M = data.messages;
  var LANG = data.lang;

  var dom = window.saylauDom;  // static/dom.js
  var t = dom.translator(M), $ = dom.$, el = dom.el, clear = dom.clear;

  // -- numbers in the reader's locale (display only) ---------------------------------------------

  // As the server writes them (static/dom.js: saylau.i18n.format_number's separators), never Intl.
  function num(n, digits) { return typeof n === "number" ? dom.number(n, digits || 0) : "—"; }
  // A negative figure with the true minus sign (U+2212), as the server writes it; a positive one bare.
  function minus(n, digits) {
    return typeof n === "number" && n < 0 ? "\u2212" + num(-n, digits) : num(n, digits);
  }
  function signed(n, digits) {
    if (typeof n !== "number") return "—";
    return (n > 0 ? "+" : n < 0 ? "\u2212" : "") + num(Math.abs(n), digits);
  }
  /* A share (0.5419) as format_percent writes its percent: "54,19 %" in kk and ru. */
  function percent(share, digits) {
    return typeof share === "number" ? dom.percent(share * 100, digits === undefined ? 2 : digits) : "—";
  }
  var SUPERSCRIPT = { "-": "\u207b", "0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074",
    "5": "\u2075", "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079" };
  /* A p-value: two significant digits, and 1.2 × 10⁻⁴⁸ below 0.001 (it can be that small). */
  function pValue(p) {
    if (typeof p !== "number" || isNaN(p)) return "—";
    if (p === 0) return "\u2248 0";
    if (p >= 0.001) {  // two significant digits, trailing zeros dropped
      var digits = Math.max(0, 1 - Math.floor(Math.log10(p)));
      var text = num(p, digits), decimal = dom.locale.decimal;
      if (text.indexOf(decimal) >= 0) text = text.replace(/0+$/, "");
      return text.slice(-1) === decimal ? text.slice(0, -1) : text;
    }
    var exp = Math.floor(Math.log10(p));
    var mantissa = p / Math.pow(10, exp);
    if (mantissa >= 9.95) { mantissa = 1; exp += 1; }
    var power = String(exp).split("").map(function (c) { return SUPERSCRIPT[c]; }).join("");
    return num(mantissa, 1) + " \u00d7 10" + power;
  }

  var session = window.saylauApi;  // static/api.js: the kept token, requests that send it
  var token = session.token, keep = session.keep, forget = session.forget, problemText = session.problemText;
  function api(path, options) { return session.api("GET", path, options); }  // this page only reads

  // -- what is shown -------------------------------------------------------------------------------

  var form = $("observer-signin"), input = $("token"), error = $("token-error");
  var status = $("observer-status"), checks = $("checks"), denied = $("observer-denied");
  var contestSelect = $("contest");
  var seq = 0;

  function show(which) {
    form.hidden = which !== "signin";
    checks.hidden = which !== "checks";
    denied.hidden = which !== "denied";
  }

  function showWho(me) {
    var box = $("observer-who");
    if (!me) { box.hidden = true; return; }
    $("observer-who-text").textContent = t("signed_in") + ": " + (M["role_" + me.role] || me.role) +
      (me.name ? " · " + me.name : "");
    box.hidden = false;
  }

  function signInForm(message) {
    show("signin");
    showWho(null);
    status.textContent = "";
    if (message) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = message;
    }
  }

  function signOut() {
    forget();
    seq++;
    signInForm(null);
    status.textContent = t("signed_out");
    input.value = "";
    input.focus();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-sign-out]"), function (b) {
    b.addEventListener("click", signOut);
  });

  function fillContests(chosen) {
    if (contestSelect.options.length) { contestSelect.value = chosen; return; }
    data.contests.forEach(function (c) {
      contestSelect.appendChild(el("option", { value: c.id, text: c.name }));
    });
    contestSelect.value = chosen;
  }

  function set(id, text) { $(id).textContent = text; }

  function verdict(p) { return t(p < 0.01 ? "verdict_low" : "verdict_ok", { p: pValue(p) }); }

  function showReport(r) {
    fillContests(r.contest);
    set("s-leader", data.names[r.leader] || r.leader || "—");
    set("s-stations", num(r.stations));
    set("s-version", num(r.results_version));

    var fp = r.fingerprint;
    set("fp-corner", num(fp.corner));
    set("fp-neighbours", num(fp.corner_neighbours_mean, 1));
    set("fp-clipped", num(fp.clipped));

    var it = r.integer;
    set("int-eligible", num(it.eligible));
    set("int-observed", num(it.observed));
    set("int-expected", num(it.expected, 1) + " \u00b1 " + num(it.sd, 1));
    set("int-excess", signed(it.excess, 1));
    set("int-z", signed(it.z, 2));
    set("int-p", pValue(it.p_value));
    set("int-verdict", verdict(it.p_value));

    var d = r.last_digit;
    set("dig-n", num(d.n));
    set("dig-chi2r", num(d.chi2_resampled, 1));
    set("dig-pr", pValue(d.p_resampled));
    set("dig-chi2", num(d.chi2, 1));
    set("dig-p", pValue(d.p_value));
    set("dig-verdict", verdict(d.p_resampled));
    set("dig-uniform", t("pass_uniform", { p: pValue(d.p_value) }));
    digitsTable(d);

    var s = r.shpilkin;
    set("sh-anomalous", minus(s.anomalous_votes));  // signed: a clean count comes out near 0
    set("sh-clean", percent(s.clean_share));
    set("sh-official", percent(s.official_share));
    var k = s.peak_turnout_percent;
    set("sh-peak", typeof k === "number" ? percent(k / 100, 0) + "\u2013" + percent((k + 1) / 100, 0) : "—");
    set("sh-ratio", num(s.ratio, 3));
  }

  function digitsTable(d) {
    var table = $("digits-table");
    clear(table);
    table.appendChild(el("caption", { id: "digits-caption", text: t("digits_caption") }));
    table.appendChild(el("thead", {}, [el("tr", {}, [
      el("th", { scope: "col", text: t("digit") }),
      el("th", { scope: "col", className: "num", text: t("observed_counts") }),
      el("th", { scope: "col", className: "num", text: t("expected_resampled") }),
      el("th", { scope: "col", className: "num", text: t("expected_uniform") })
    ])]));
    var body = el("tbody");
    d.counts.forEach(function (count, digit) {
      body.appendChild(el("tr", {}, [
        el("th", { scope: "row", text: String(digit) }),
        el("td", { className: "num", text: num(count) }),
        el("td", { className: "num", text: num(d.expected_resampled[digit], 1) }),
        el("td", { className: "num", text: num(d.n / 10, 1) })
      ]));
    });
    table.appendChild(body);
  }

  /* The heat map, parsed as SVG (never as HTML) and stripped of anything active before it is
     put in the page; it carries its own <title> and <desc>. */
  function showSvg(text) {
    var box = $("fp-svg");
    clear(box);
    var doc = new DOMParser().parseFromString(text, "image/svg+xml");
    var root = doc.documentElement;
    if (!root || root.namespaceURI !== SVG_NS || root.localName !== "svg" || doc.getElementsByTagName("parsererror").length) {
      box.appendChild(el("p", { text: t("svg_failed") }));
      return;
    }
    Array.prototype.slice.call(root.querySelectorAll("script, foreignObject")).forEach(function (n) {
      n.parentNode.removeChild(n);
    });
    Array.prototype.forEach.call(root.querySelectorAll("*"), function (n) {
      Array.prototype.slice.call(n.attributes).forEach(function (a) {
        if (/^on/i.test(a.name) || /href$/i.test(a.name)) n.removeAttribute(a.name);
      });
    });
    var svg = document.importNode(root, true);
    svg.setAttribute("focusable", "false");
    box.appendChild(svg);
  }

  function load(contest) {
    var mine = ++seq;
    var query = contest ? "?contest=" + encodeURIComponent(contest) : "";
    status.textContent = t("loading");
    contestSelect.disabled = true;
    return api("/api/v1/forensics" + query).then(function (res) {
      if (mine !== seq) return;
      contestSelect.disabled = false;
      if (res.status === 200) {
        status.textContent = "";
        show("checks");
        showReport(res.body);
        api("/api/v1/forensics/fingerprint.svg?lang=" + LANG + "&contest=" + encodeURIComponent(res.body.contest),
          { accept: "image/svg+xml" }).then(function (svg) {
          if (mine !== seq) return;
          if (svg.status === 200 && typeof svg.body === "string") showSvg(svg.body);
          else { clear($("fp-svg")); $("fp-svg").appendChild(el("p", { text: t("svg_failed") })); }
        }, function () { $("fp-svg").textContent = t("svg_failed"); });
        return;
      }
      if (res.status === 401) { forget(); signInForm(t("bad_token", { why: problemText(res) })); return; }
      if (res.status === 403) {
        status.textContent = "";
        $("observer-denied-text").textContent = t("need_observer", { why: problemText(res) });
        show("denied");
        return;
      }
      status.textContent = t("failed", { why: problemText(res) });
    }, function () {
      if (mine !== seq) return;
      contestSelect.disabled = false;
      status.textContent = t("network");
    });
  }

  contestSelect.addEventListener("change", function () { load(contestSelect.value); });

  /* Checks a token with /whoami, then shows the checks (or why they cannot be shown). */
  function start(value, typed) {
    status.textContent = t("checking");
    return api("/api/v1/whoami", { token: value }).then(function (res) {
      if (res.status !== 200) {
        if (!typed) forget();
        status.textContent = "";
        signInForm(typed ? t("bad_token", { why: problemText(res) }) : null);
        if (typed) input.focus();
        return;
      }
      if (typed) { keep(value); input.value = ""; }
      input.removeAttribute("aria-invalid");
      error.textContent = "";
      showWho(res.body);
      form.hidden = true;
      return load(null);
    }, function () {
      status.textContent = t("network");
      if (!token()) show("signin");
    });
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
    start(value, true);
  });

  if (token()) start(token(), false);
  else signInForm(null);
})();
