/* What the officer and observer pages' scripts share: building elements without innerHTML (no
   markup is ever made from a server's or a user's text), and messages in the page's language
   with %(name)s placeholders filled in. Plain JavaScript; loaded before the page's own script. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  /* t(key, values): the message `key` of `messages`, its %(name)s placeholders filled in. */
  function translator(messages) {
    return function t(key, values) {
      var text = messages[key] || key;
      if (values) {
        text = text.replace(/%\((\w+)\)s/g, function (_, name) {
          return values[name] === undefined ? "" : String(values[name]);
        });
      }
      return text;
    };
  }

  window.saylauDom = { $: $, el: el, clear: clear, translator: translator };
})();
