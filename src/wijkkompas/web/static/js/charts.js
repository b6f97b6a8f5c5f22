// Render every Vega-Lite spec on the page with vega-embed; the table beside each chart
// stays in the page (collapsed once the chart is drawn) for screen readers and no-JS.
// Charts take their element's width (width: "container"): before drawing, titles, axis
// titles and long legend labels are broken into lines that fit it (Vega does not wrap
// text), legends go one entry a line on a narrow screen; a chart is drawn again when its
// element changes width, and for print at the width of the paper (print.css: A4 less
// 15 mm margins), back to the screen after printing.
(function () {
  var PRINT_WIDTH = 680;   // 180 mm in CSS pixels
  var NARROW = 560;
  var FONT = "Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif";
  var measure = document.createElement("canvas").getContext("2d");

  function textWidth(text, size, bold) {
    measure.font = (bold ? "bold " : "") + size + "px " + FONT;
    return measure.measureText(text).width * 1.05;   // a little room for other fonts
  }

  // a text as lines no wider than max (one line: the text itself)
  function wrap(text, size, max, bold) {
    if (typeof text !== "string" || textWidth(text, size, bold) <= max) return text;
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      var next = line ? line + " " + word : word;
      if (line && textWidth(next, size, bold) > max) { lines.push(line); line = word; }
      else line = next;
    });
    if (line) lines.push(line);
    return lines.length > 1 ? lines : text;
  }

  // the values of a field in the spec's inline datasets
  function valuesOf(spec, field) {
    var seen = [];
    Object.keys(spec.datasets || {}).forEach(function (name) {
      (spec.datasets[name] || []).forEach(function (row) {
        if (row && row[field] != null && seen.indexOf(String(row[field])) < 0) seen.push(String(row[field]));
      });
    });
    return seen;
  }

  // a Vega expression giving each long label as lines (labels are axis or legend labels)
  function linesExpr(values, size, max) {
    var expr = "datum.label";
    values.forEach(function (value) {
      var lines = wrap(value, size, max);
      if (Array.isArray(lines)) {
        expr = "datum.label === " + JSON.stringify(value) + " ? " + JSON.stringify(lines) + " : " + expr;
      }
    });
    return expr === "datum.label" ? null : expr;
  }

  function fit(original, width) {
    var w = Math.max(200, Math.min(width, PRINT_WIDTH));
    var narrow = w < NARROW;
    var spec = JSON.parse(JSON.stringify(original));
    var cfg = spec.config = spec.config || {};
    var tc = cfg.title || {}, ac = cfg.axis || {};
    var lc = cfg.legend = cfg.legend || {};
    var labelSize = lc.labelFontSize || 12, axisLabelSize = ac.labelFontSize || 11;
    if (spec.title) {
      var title = typeof spec.title === "string" ? { text: spec.title } : spec.title;
      title.text = wrap(title.text, tc.fontSize || 13, w - 8, true);
      if (title.subtitle) title.subtitle = wrap(title.subtitle, tc.subtitleFontSize || 12, w - 8);
      title.anchor = "start";
      title.frame = "bounds";
      spec.title = title;
    }
    var units = (spec.layer || []).concat([spec]);
    var reserve = 56;   // the y axis of numbers
    units.forEach(function (unit) {
      var y = unit.encoding && unit.encoding.y;
      if (!y || y.type !== "nominal" || !y.axis || !y.axis.labelLimit) return;
      // long category names on a narrow screen: two or three lines, not cut off
      var limit = narrow ? Math.max(96, Math.round(w * 0.34)) : y.axis.labelLimit;
      var expr = linesExpr(valuesOf(spec, y.field), axisLabelSize, limit);
      y.axis.labelLimit = limit;
      if (expr) y.axis.labelExpr = expr;
      reserve = Math.max(reserve, limit + 16);
    });
    // bottom legends start where the plot starts
    var legendMax = Math.max(120, w - reserve - 30);
    units.forEach(function (unit) {
      var enc = unit.encoding || {};
      if (enc.x && typeof enc.x.title === "string") {
        enc.x.title = wrap(enc.x.title, ac.titleFontSize || 11, Math.max(120, w - reserve), true);
      }
      ["color", "fill"].forEach(function (ch) {
        var c = enc[ch];
        if (!c || c.legend === null || !c.field) return;
        var values = (c.scale && Array.isArray(c.scale.domain)) ? c.scale.domain.map(String) : valuesOf(spec, c.field);
        var expr = linesExpr(values, labelSize, legendMax - 24);
        if (expr) { c.legend = c.legend || {}; c.legend.labelExpr = expr; }
      });
    });
    if (spec.padding == null) spec.padding = { left: 4, top: 4, right: 10, bottom: 4 };  // end points whole
    lc.orient = "bottom";
    lc.labelLimit = legendMax;
    // several legends (lines and targets) one below the other, never side by side and cut off
    lc.layout = { bottom: { anchor: "start", direction: "vertical", margin: 6 } };
    if (narrow) { lc.direction = "vertical"; lc.columns = 1; }
    return spec;
  }

  function options() {
    var lang = document.documentElement.lang;
    // ast: Vega's expression interpreter, no eval (the Content-Security-Policy allows none)
    return { actions: false, renderer: "svg", ast: true, defaultStyle: false,
             tooltip: { disableDefaultStyle: true },  // its CSS is in wijkkompas.css
             formatLocale: lang === "nl" ? { decimal: ",", thousands: ".", grouping: [3], currency: ["€ ", ""] } : undefined };
  }

  function draw(el, width) {
    var spec = JSON.parse(el.dataset.spec);
    el.dataset.fitWidth = String(width);
    el.dataset.drawn = "";
    if (el.wkView) { el.wkView.finalize(); el.wkView = null; }
    return vegaEmbed(el, fit(spec, width), options()).then(function (result) {
      el.wkView = result.view;
      var details = el.parentElement.querySelector("details.chart-table");
      if (details) details.removeAttribute("open");
      el.setAttribute("aria-hidden", "true");
      el.dataset.drawn = "1";
    }).catch(function (err) { el.textContent = ""; el.dataset.drawn = "error"; console.error(err); });
  }

  function render(root) {
    (root || document).querySelectorAll(".vega-chart[data-spec]").forEach(function (el) {
      if (el.dataset.done) return;
      el.dataset.done = "1";
      draw(el, el.clientWidth || el.parentElement.clientWidth);
    });
  }

  // drawn again when the element's width has changed enough to lay the texts out anew
  var timer = null;
  function refit() {
    document.querySelectorAll(".vega-chart[data-spec]").forEach(function (el) {
      var was = Number(el.dataset.fitWidth || 0), now = el.clientWidth;
      if (!now || !el.wkView) return;
      if (Math.abs(Math.min(now, PRINT_WIDTH) - Math.min(was, PRINT_WIDTH)) > 24) draw(el, now);
    });
  }
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(refit, 200); });

  // print: every chart at the paper's width (its texts were laid out for at most that
  // width), then back to its element's width
  var printing = false;
  function beforePrint() {
    if (printing) return;
    printing = true;
    document.querySelectorAll(".vega-chart[data-spec]").forEach(function (el) {
      if (el.wkView) el.wkView.width(PRINT_WIDTH).runAsync();
    });
  }
  function afterPrint() {
    if (!printing) return;
    printing = false;
    // Vega-Lite's container width listens to window resize
    window.dispatchEvent(new Event("resize"));
  }
  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    var onChange = function (e) { if (e.matches) beforePrint(); else afterPrint(); };
    if (print.addEventListener) print.addEventListener("change", onChange);
  }
  window.wkCharts = { fit: fit, printWidth: PRINT_WIDTH };   // for the browser tests

  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.body.addEventListener("htmx:afterSettle", function (e) { render(e.target); });
})();
