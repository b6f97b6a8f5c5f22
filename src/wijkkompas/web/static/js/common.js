// Progressive enhancement shared by every page: mark that JavaScript runs.
document.documentElement.classList.add("js");
// Forms that remove something ask first (a removal can be undone only by restoring a version).
document.addEventListener("submit", function (e) {
  var text = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (text && !window.confirm(text)) e.preventDefault();
});
