/* The accessibility audit run on each page by test_accessibility.py: a list of problems, [] if none.
   Contrast of every visible text node against the first opaque background behind it: large text
   (24 px, or 18.66 px bold) needs 3:1, other text 4.5:1 (WCAG 2.1, 1.4.3). */
() => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] >= 0.99)) return c.slice(0, 3);
      if (getComputedStyle(e).backgroundImage !== "none") return null;  // a gradient or image: not judged
    }
    return [255, 255, 255];
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || seen.has(el) || !walker.currentNode.textContent.trim()) continue;
    seen.add(el);
    if (el.closest("svg")) continue;  // chart labels are checked by their own tests
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || style.display === "none" || box.width === 0 || box.height === 0) continue;
    if (el.closest(".visually-hidden, .sr-only, [aria-hidden=true]")) continue;
    const fg = rgb(style.color), bg = background(el);
    if (!bg || (fg.length === 4 && fg[3] < 0.99)) continue;
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) problems.push(`contrast ${ratio.toFixed(2)} < ${needed}: ${describe(el)} "${walker.currentNode.textContent.trim().slice(0, 40)}"`);
  }
  for (const c of document.querySelectorAll("input, select, textarea")) {
    if (c.type === "hidden") continue;
    const named = (c.labels && c.labels.length) || c.getAttribute("aria-label") || c.getAttribute("aria-labelledby");
    if (!named) problems.push("control without a label: " + describe(c));
  }
  for (const g of document.querySelectorAll("svg[role=img], img")) {
    const named = g.getAttribute("aria-label") || g.getAttribute("aria-labelledby") || g.getAttribute("alt") !== null ||
      g.querySelector(":scope > title");
    if (!named) problems.push("picture without a name: " + describe(g));
  }
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} h1 headings (one expected)`);
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  if (!document.title.trim()) problems.push("no <title>");
  return problems;
}
