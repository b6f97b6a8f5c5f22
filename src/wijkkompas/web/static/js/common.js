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
