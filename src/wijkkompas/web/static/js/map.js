// The choropleth: Leaflet without a tile layer (offline; the boundaries are the map).
// Geometry per level and vintage is fetched once (long-cached); the values come from
// /api/map and are joined on the feature id (the CBS code). HTMX swaps the side panel
// (form, legend) and the table; after each swap the map redraws from #map-state.
(function () {
  var mapEl = document.getElementById("map");
  if (!mapEl || !window.L) return;
  var map = L.map(mapEl, { preferCanvas: true, zoomSnap: 0.25, minZoom: 6, maxZoom: 16,
                           attributionControl: true });
  window.wkMap = map;  // for the browser tests and the benchmark
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Grenzen: CBS (CC BY 4.0)");
  map.fitBounds([[50.75, 3.35], [53.55, 7.25]]);
  if (window.wkBasemap) window.wkBasemap(map, mapEl);  // static/js/basemap.js
  var geometry = {};   // url -> Promise of GeoJSON
  var group = L.layerGroup().addTo(map);
  var lastKey = null;
  var drawSeq = 0;

  function getGeometry(url) {
    if (!geometry[url]) {
      geometry[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error("geometry " + r.status);
        return r.json();
      });
    }
    return geometry[url];
  }

  function numberFormat(lang) {
    return new Intl.NumberFormat(lang === "en" ? "en-GB" : "nl-NL", { maximumFractionDigits: 2 });
  }

  function draw() {
    var state = document.getElementById("map-state");
    if (!state) return;
    var seq = ++drawSeq;
    var lang = state.dataset.lang || "nl";
    var nf = numberFormat(lang);
    var within = state.dataset.within;
    var child = state.dataset.child;
    mapEl.dataset.ready = "";
    mapEl.dataset.drawn = "";
    if (!state.dataset.valuesUrl) {
      // no figures for the areas on screen: the panel says so; no stale map stays
      group.clearLayers();
      mapEl.dataset.ready = "empty";
      mapEl.dataset.features = "0";
      document.dispatchEvent(new CustomEvent("wk:map-ready", { detail: null }));
      return;
    }
    fetch(state.dataset.valuesUrl).then(function (r) {
      if (!r.ok) throw new Error("values " + r.status);
      return r.json();
    }).then(function (m) {
      return Promise.all(m.layers.map(function (l) { return getGeometry(l.url); })).then(function (gj) {
        if (seq !== drawSeq) return;  // a newer request superseded this one
        group.clearLayers();
        var bounds = L.latLngBounds([]);
        var noData = m.legend.no_data.colour, suppressed = m.legend.suppressed.colour;
        m.layers.forEach(function (layerInfo, i) {
          var layer = L.geoJSON(gj[i], {
            filter: function (f) {
              if (m.values[f.id]) return true;
              if (!layerInfo.primary) return false;
              return !within || f.properties.gm === within || f.properties.wk === within;
            },
            style: function (f) {
              var v = m.values[f.id];
              var fill = !v ? noData : v[1] >= 0 ? m.classes[v[1]].colour : v[1] === -2 ? suppressed : noData;
              return { fillColor: fill, fillOpacity: 0.9, color: "#4d4d4d", weight: within ? 0.8 : 0.3 };
            },
            onEachFeature: function (f, lyr) {
              var v = m.values[f.id];
              var text = "<strong>" + escapeHtml(f.properties.name) + "</strong> <span>" + f.id + "</span><br>" +
                (v && v[0] !== null ? nf.format(v[0]) + (m.legend.unit === "%" ? "%" : "") :
                 (v && v[1] === -2 ? m.legend.suppressed.label : m.legend.no_data.label));
              lyr.bindTooltip(text, { sticky: true });
              lyr.on("click", function () { activate(f.id, child, !!v); });
              if (v && within) bounds.extend(lyr.getBounds());
            }
          });
          group.addLayer(layer);
        });
        var key = m.level + "|" + (within || "");
        if (key !== lastKey) {
          if (within && bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
          else if (!within) map.fitBounds([[50.75, 3.35], [53.55, 7.25]]);
          lastKey = key;
        }
        mapEl.dataset.ready = "1";
        mapEl.dataset.drawn = state.dataset.valuesUrl;
        mapEl.dataset.features = String(Object.keys(m.values).length);
        window.wkMapReady = performance.now();
        document.dispatchEvent(new CustomEvent("wk:map-ready", { detail: m }));
      });
    }).catch(function (err) {
      if (seq !== drawSeq) return;
      group.clearLayers();  // never leave the previous map standing under a new legend
      mapEl.dataset.ready = "error";
      if (window.wkShowError) window.wkShowError(document.getElementById("map-panel"), err.message);
    });
  }

  function activate(code, child, hasValue) {
    var form = document.getElementById("map-form");
    if (child && form && window.htmx) {
      // drill down: the same indicator one level lower, within the clicked area
      form.querySelector("[name=level]").value = child;
      var w = form.querySelector("[name=within]");
      if (!w) { w = document.createElement("input"); w.type = "hidden"; w.name = "within"; form.appendChild(w); }
      w.value = code;
      htmx.trigger(form, "submit");
    } else {
      window.location.href = "/gebied/" + encodeURIComponent(code);
    }
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  document.body.addEventListener("htmx:afterSettle", function (e) {
    if (e.target && (e.target.id === "map-panel" || e.target.closest && e.target.closest("#map-panel"))) draw();
  });
  // Map changes are announced (issue 17.7): once the map is drawn (or found empty), the
  // live region #map-status (in the panel) gets, hidden, what the map now shows, in the
  // page's own words: the title, the legend's line and the panel's notice.
  document.addEventListener("wk:map-ready", function () {
    var status = document.getElementById("map-status");
    if (!status) return;
    var parts = [];
    [".map-title", ".legend-what"].forEach(function (sel) {
      var el = document.querySelector("#map-panel " + sel);
      if (el && el.textContent.trim()) parts.push(el.textContent.replace(/\s+/g, " ").trim());
    });
    var notice = status.querySelector("p");
    if (notice && notice.textContent.trim()) parts.push(notice.textContent.replace(/\s+/g, " ").trim());
    var say = document.getElementById("map-announce");
    if (!say || say.parentNode !== status) {
      say = document.createElement("span");
      say.id = "map-announce";
      say.className = "visually-hidden";
      status.appendChild(say);
    }
    say.textContent = parts.join(". ");
  });
  window.addEventListener("popstate", function () { setTimeout(draw, 50); });
  draw();
})();
