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
