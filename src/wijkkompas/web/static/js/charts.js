// Render every Vega-Lite spec on the page with vega-embed; the table beside each chart
// stays in the page (collapsed once the chart is drawn) for screen readers and no-JS.
(function () {
  function render(root) {
    (root || document).querySelectorAll(".vega-chart[data-spec]").forEach(function (el) {
      if (el.dataset.done) return;
      el.dataset.done = "1";
      var spec = JSON.parse(el.dataset.spec);
      var lang = document.documentElement.lang;
      // ast: Vega's expression interpreter, no eval (the Content-Security-Policy allows none)
      var opts = { actions: false, renderer: "svg", ast: true, defaultStyle: false,
                   tooltip: { disableDefaultStyle: true },  // its CSS is in wijkkompas.css
                   formatLocale: lang === "nl" ? { decimal: ",", thousands: ".", grouping: [3], currency: ["€ ", ""] } : undefined };
      vegaEmbed(el, spec, opts).then(function () {
        var details = el.parentElement.querySelector("details.chart-table");
        if (details) details.removeAttribute("open");
        el.setAttribute("aria-hidden", "true");
      }).catch(function (err) { el.textContent = ""; console.error(err); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.body.addEventListener("htmx:afterSettle", function (e) { render(e.target); });
})();
