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

  // -- numbers and times as the server writes them ------------------------------------------------

  /* The page's #saylau-locale (saylau.web.pages.browser_locale): the separators of
     saylau.i18n.format_number, the percent pattern of format_percent, the date and time patterns
     and month names of format_datetime, and the zone of format_moment. The browser's Intl is
     never asked: its Kazakh may be English, its zone is the reader's, and a figure or a time must
     read the same whether the server or the script wrote it. */
  var LOCALE = (function () {
    var node = document.getElementById("saylau-locale");
    return node ? JSON.parse(node.textContent) : null;
  })() || {
    group: ",", decimal: ".", percent: "%(n)s%", date: "d MMM y", time: "HH:mm:ss", datetime: "{1}, {0}",
    months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"],
    zone: { name: "UTC", minutes: 0 }
  };

  /* |n| as plain decimal digits: the shortest text that reads back as n (what Python's repr gives,
     and what format_number rounds), without an exponent. */
  function plain(n) {
    var text = String(Math.abs(n));
    var m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    if (!m) return text;
    var digits = m[1] + (m[2] || ""), point = m[1].length + parseInt(m[3], 10);
    if (point <= 0) return "0." + "0".repeat(-point) + digits;
    if (point >= digits.length) return digits + "0".repeat(point - digits.length);
    return digits.slice(0, point) + "." + digits.slice(point);
  }

  /* Digits plus one in the last place, carried: "0999" -> "1000". */
  function increment(digits) {
    var out = digits.split(""), i = out.length - 1;
    while (i >= 0 && out[i] === "9") { out[i] = "0"; i -= 1; }
    if (i < 0) out.unshift("1"); else out[i] = String(+out[i] + 1);
    return out.join("");
  }

  /* "1234.5678" to `places` decimals, half to even as Decimal.quantize does: [whole, fraction]. */
  function rounded(text, places) {
    var parts = text.split("."), whole = parts[0], fraction = parts[1] || "";
    if (fraction.length <= places) return [whole, fraction + "0".repeat(places - fraction.length)];
    var kept = whole + fraction.slice(0, places), rest = fraction.slice(places);
    var last = +kept.charAt(kept.length - 1);
    if (rest.charAt(0) > "5" || (rest.charAt(0) === "5" && (/[1-9]/.test(rest.slice(1)) || last % 2 === 1))) {
      kept = increment(kept);
    }
    return [kept.slice(0, kept.length - places) || "0", kept.slice(kept.length - places)];
  }

  /* number(6521860) -> "6 521 860" in kk and ru, "6,521,860" in en; number(0.77, 2) -> "0,77":
     saylau.i18n.format_number, digit for digit. Not a number: "—". */
  function number(n, places) {
    if (typeof n !== "number" || !isFinite(n)) return "—";
    places = places || 0;
    var parts = rounded(plain(n), places);
    var whole = parts[0].replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+$)/g, LOCALE.group);
    var negative = n < 0 || Object.is(n, -0);
    return (negative ? "-" : "") + whole + (places ? LOCALE.decimal + parts[1] : "");
  }

  /* A value already in percent (54.19) as format_percent writes it: "54,19 %" in kk and ru. */
  function percent(value, places) {
    if (typeof value !== "number" || !isFinite(value)) return "—";
    return LOCALE.percent.replace("%(n)s", number(value, places === undefined ? 2 : places));
  }

  function pad(n, width) {
    var text = String(n);
    return text.length >= width ? text : "0".repeat(width - text.length) + text;
  }

  /* A CLDR pattern ("d MMM y 'г'.", "HH:mm:ss") filled in with the fields of `at`. */
  function pattern(text, at) {
    return text.replace(/'([^']*)'|([A-Za-z])\2*/g, function (match, quoted, letter) {
      if (quoted !== undefined) return quoted === "" ? "'" : quoted;
      var width = match.length;
      switch (letter) {
        case "y": return width === 2 ? pad(at.year % 100, 2) : pad(at.year, width);
        case "M": case "L": return width >= 3 ? LOCALE.months[at.month - 1] : pad(at.month, width);
        case "d": return pad(at.day, width);
        case "H": return pad(at.hour, width);
        case "m": return pad(at.minute, width);
        case "s": return pad(at.second, width);
        default: return match;
      }
    });
  }

  /* An ISO 8601 moment (the store's "2023-03-19T09:05:07.123456Z") as saylau.i18n.format_moment
     writes it (format_datetime's medium form), in the time zone `zone` ({name, minutes east of
     UTC}; the page's, which is the server's, when none is given), its name after it:
     "19 мар. 2023 г., 14:05:07 UTC+5". A moment without a zone is UTC, as on the server. Text
     that is not a moment comes back as it is. */
  function dateTime(iso, zone) {
    if (!iso) return "—";
    zone = zone || LOCALE.zone || { name: "UTC", minutes: 0 };
    var text = String(iso).replace(/(\.\d{3})\d+/, "$1");
    if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += "Z";
    var ms = Date.parse(text);
    if (isNaN(ms)) return String(iso);
    var d = new Date(ms + zone.minutes * 60000);
    var at = {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
      hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds()
    };
    var shown = LOCALE.datetime.replace("{1}", pattern(LOCALE.date, at)).replace("{0}", pattern(LOCALE.time, at));
    return shown + " " + zone.name;
  }

  window.saylauDom = {
    $: $, el: el, clear: clear, translator: translator,
    number: number, percent: percent, dateTime: dateTime, locale: LOCALE
  };
})();
