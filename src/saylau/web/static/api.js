/* What the officer and observer pages' scripts share to speak to the API: the token, kept in this
   tab's sessionStorage only (never a cookie, a URL or a log line; one key, so signing in on one
   page signs in on the other), and a request that sends it. Loaded before the page's own script. */
(function () {
  "use strict";

  var KEY = "saylau.officer.token";

  function token() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }
  function keep(value) { window.sessionStorage.setItem(KEY, value); }
  function forget() { try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ } }

  /* A request with the token; resolves to {status, body} (body parsed when JSON, else text).
     options: token (instead of the kept one), json or body, accept, signal. */
  function api(method, path, options) {
    options = options || {};
    var headers = { Accept: options.accept || "application/json" };
    var tok = options.token || token();
    if (tok) headers.Authorization = "Bearer " + tok;
    var body = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    return fetch(path, {
      method: method, headers: headers, body: body, credentials: "omit", cache: "no-store",
      referrerPolicy: "no-referrer", signal: options.signal
    }).then(function (r) {
      var type = r.headers.get("content-type") || "";
      var parse = type.indexOf("json") >= 0 ? r.json() : r.text();
      return parse.then(function (b) { return { status: r.status, body: b }; });
    });
  }

  /* What a refusal says: its problem document's detail, else its status. */
  function problemText(res) {
    var b = res.body;
    if (b && typeof b === "object" && b.detail) return b.detail;
    return String(res.status);
  }

  window.saylauApi = { token: token, keep: keep, forget: forget, api: api, problemText: problemText };
})();
