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
