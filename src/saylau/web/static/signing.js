/* A commission officer's signing key, made and kept in this browser: an Ed25519 key pair from
   WebCrypto whose private half is a non-extractable CryptoKey in IndexedDB (no script, this one
   included, can read its bytes; it only signs), and whose public half is registered through the
   API. One key per token: the record is kept under the token's id. Loaded before officer.js. */
(function () {
  "use strict";

  var DB = "saylau-signing", STORE = "keys";
  var PREFIX = "saylau-protocol/v1\n";  // docs/verification.md: the bytes a commission signs

  function supported() {
    return !!(window.crypto && window.crypto.subtle && window.indexedDB);
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = window.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var req = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  /* The key kept for a token: {keyId, publicKey, privateKey (CryptoKey)} or null. */
  function load(tokenId) {
    if (!supported() || !tokenId) return Promise.resolve(null);
    return tx("readonly", function (s) { return s.get(tokenId); }).then(function (v) { return v || null; });
  }

  function forget(tokenId) {
    return tx("readwrite", function (s) { return s.delete(tokenId); });
  }

  function b64(bytes) {
    var text = "";
    var view = new Uint8Array(bytes);
    for (var i = 0; i < view.length; i++) text += String.fromCharCode(view[i]);
    return window.btoa(text);
  }

  /* Make a key pair (the private half not extractable), register its public half with `api`
     (static/api.js), and keep it for the token. Resolves to the kept record; rejects with the
     API's answer ({status, body}) when registering is refused. */
  function create(tokenId, api) {
    return window.crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]).then(function (pair) {
      return window.crypto.subtle.exportKey("raw", pair.publicKey).then(function (raw) {
        var publicKey = b64(raw);
        return api("POST", "/api/v1/keys", { json: { public_key: publicKey } }).then(function (res) {
          if (res.status !== 201) throw res;
          var record = { keyId: res.body.id, publicKey: publicKey, privateKey: pair.privateKey,
                         territory: res.body.territory };
          return tx("readwrite", function (s) { return s.put(record, tokenId); }).then(function () { return record; });
        });
      });
    });
  }

  function sign(record, message) {
    var bytes = new TextEncoder().encode(message);
    return window.crypto.subtle.sign({ name: "Ed25519" }, record.privateKey, bytes).then(b64);
  }

  /* Whether the server's canonical `content` (POST /api/v1/protocols/message) is the protocol
     `sent`: the same station, contest and status, every line and vote typed with its number,
     nothing else but 0 votes and the form's derived lines (`derived`: their ids), and the
     message exactly the prefix, the election and the content. Nothing is signed otherwise. */
  function matches(answer, sent, derived) {
    var doc;
    try { doc = JSON.parse(answer.content); } catch (e) { return false; }
    if (answer.message !== PREFIX + answer.election + "\n" + answer.content) return false;
    if (doc.station !== sent.station || doc.contest !== sent.contest || doc.status !== sent.status) return false;
    var ok = true;
    Object.keys(sent.lines).forEach(function (k) {
      if (derived.indexOf(k) < 0 && doc.lines[k] !== sent.lines[k]) ok = false;
    });
    Object.keys(doc.lines).forEach(function (k) {
      if (!(k in sent.lines) && derived.indexOf(k) < 0) ok = false;
    });
    Object.keys(sent.votes).forEach(function (k) { if (doc.votes[k] !== sent.votes[k]) ok = false; });
    Object.keys(doc.votes).forEach(function (k) { if (!(k in sent.votes) && doc.votes[k] !== 0) ok = false; });
    return ok;
  }

  window.saylauSigning = {
    supported: supported, load: load, create: create, forget: forget, sign: sign, matches: matches
  };
})();
