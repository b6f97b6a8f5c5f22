// Progressive enhancement shared by every page: mark that JavaScript runs.
document.documentElement.classList.add("js");
// Forms that remove something ask first (a removal can be undone only by restoring a version).
document.addEventListener("submit", function (e) {
  var text = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (text && !window.confirm(text)) e.preventDefault();
});
// No event-handler attributes (the Content-Security-Policy refuses them): buttons with
// data-print print the page, selects with data-autosubmit send their form on change.
document.addEventListener("click", function (e) {
  var el = e.target.closest && e.target.closest("[data-print]");
  if (el) window.print();
});
document.addEventListener("change", function (e) {
  if (e.target.matches && e.target.matches("select[data-autosubmit]") && e.target.form) {
    e.target.form.submit();
  }
});
// A partial (HTMX) request that fails swaps nothing: say so in the page, in its
// language (the text comes from the server, data-partial-failed on <body>), above the
// part that was not updated, instead of leaving the old content without a word.
window.wkShowError = function (target, status) {
  var text = (document.body.getAttribute("data-partial-failed") || "Error {status}")
    .replace("{status}", status || "?");
  var box = document.getElementById("partial-error");
  if (!box) {
    box = document.createElement("p");
    box.id = "partial-error";
    box.className = "alert alert-error partial-error";
    box.setAttribute("role", "alert");
  }
  box.textContent = text;
  var where = target && target.parentNode ? target : document.getElementById("main");
  if (where && where.parentNode && box.nextSibling !== where) where.parentNode.insertBefore(box, where);
};
function wkPartialFailed(e) {
  var d = e.detail || {};
  wkShowError(d.target || d.elt, d.xhr ? String(d.xhr.status || "") : "");
}
document.addEventListener("htmx:responseError", wkPartialFailed);
document.addEventListener("htmx:sendError", wkPartialFailed);
document.addEventListener("htmx:afterSwap", function () {
  var box = document.getElementById("partial-error");
  if (box) box.remove();
});
// Keyboard (issue 17.7): sorting the rankings swaps the whole table (#rank-results);
// focus goes back to the sort link of the same column instead of dropping to <body>.
function wkSortKey(a) {
  try { return new URL(a.getAttribute("href"), window.location.href).searchParams.get("sort"); }
  catch (err) { return null; }
}
var wkSorting = null;
document.addEventListener("htmx:beforeRequest", function (e) {
  var elt = e.detail && e.detail.elt;
  wkSorting = elt && elt.matches && elt.matches("#rank-results th a[href]") ? wkSortKey(elt) : null;
});
document.addEventListener("htmx:afterSwap", function (e) {
  var target = e.detail && e.detail.target;
  if (!wkSorting || !target || target.id !== "rank-results") return;
  var links = target.querySelectorAll("th a[href]");
  for (var i = 0; i < links.length; i++) {
    if (wkSortKey(links[i]) === wkSorting) { links[i].focus(); break; }
  }
  wkSorting = null;
});
// A refused form (issue 17.7): focus moves to the error summary, which lists every error;
// its links put the focus in their field (a fragment link alone only scrolls).
(function () {
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
})();
document.addEventListener("click", function (e) {
  var a = e.target.closest && e.target.closest("#form-errors a[href^='#']");
  if (!a) return;
  var field = document.getElementById(a.getAttribute("href").slice(1));
  if (!field) return;
  e.preventDefault();
  var label = document.querySelector("label[for='" + field.id + "']");
  (label || field).scrollIntoView({ block: "center" });
  field.focus({ preventScroll: true });
});
// The menu (a <details> in base.html): open on a wide screen, closed on a phone, where its
// summary is the "Menu" button; Escape closes it and gives the button the focus back.
// Without JavaScript the CSS shows it on a wide screen and the summary opens it on a phone.
(function () {
  var menu = document.querySelector("details.nav-menu");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48.01rem)");
  function fit() { menu.open = wide.matches; }
  fit();
  if (wide.addEventListener) wide.addEventListener("change", fit);
  menu.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || !menu.open || wide.matches) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
})();
// A table wider than its container scrolls inside it (.table-scroll; a diff in <pre>
// likewise); one that does is a
// focusable region, named after its caption or heading, so that keyboard users can
// scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable).
(function () {
  function label(box) {
    var cap = box.querySelector("caption");
    if (cap && cap.textContent.trim()) return cap.textContent.trim();
    for (var el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent.trim();
    }
    var fig = box.closest("figure");
    var fc = fig && fig.querySelector("figcaption");
    return fc ? fc.textContent.trim() : "";
  }
  function mark() {
    document.querySelectorAll(".table-scroll, pre.diff").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      // a template may make a box focusable already (tabindex="0"): then only the name is ours
      if (scrolls && !box.hasAttribute("data-scrolls")) {
        box.setAttribute("data-scrolls", box.hasAttribute("tabindex") ? "named" : "1");
        box.tabIndex = 0;
        var name = label(box);
        if (name) { box.setAttribute("role", "region"); box.setAttribute("aria-label", name); }
      } else if (!scrolls && box.hasAttribute("data-scrolls")) {
        var ours = box.getAttribute("data-scrolls") === "1" ? ["tabindex"] : [];
        ours.concat(["data-scrolls", "role", "aria-label"]).forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(mark, 100); }
  window.wkMarkScrollers = mark;
  mark();
  window.addEventListener("resize", later);
  document.addEventListener("toggle", later, true);
  document.addEventListener("htmx:afterSettle", mark);
})();
