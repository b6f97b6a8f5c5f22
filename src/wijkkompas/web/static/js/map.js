// The choropleth: Leaflet without a tile layer (offline; the boundaries are the map).
// Geometry per level and vintage is fetched once (long-cached; a grid level's by tiles
// of cells, see CELL_M below); the values come from
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
      // a failed fetch is asked again next time, not remembered
      geometry[url].catch(function () { delete geometry[url]; });
    }
    return geometry[url];
  }

  function numberFormat(lang) {
    return new Intl.NumberFormat(lang === "en" ? "en-GB" : "nl-NL", { maximumFractionDigits: 2 });
  }

  // Grid cells (levels vierkant100, vierkant500) are drawn only where a cell is at least
  // MIN_CELL_PX pixels wide (a 100 m cell from zoom 12 at Dutch latitudes, a 500 m one
  // from zoom 10) and only those in view: smaller, a cell is a speck that says nothing
  // while the canvas still draws every one of up to 420,000 of them. Their geometry is
  // fetched by tiles of the grid (the layer's tile_m metres a side in RD New, the cells
  // of one tile by ?bbox=, each tile once per page): those the view (padded by a fifth)
  // touches, again after each pan or zoom, TILE_WAIT ms after the map stops moving.
  var CELL_M = { vierkant100: 100, vierkant500: 500 };
  var MIN_CELL_PX = 4;
  var TILE_WAIT = 150;
  var shown = null;     // what draw() fetched: values, geometry, options
  var hint = null;      // the "zoom in" notice over the map
  var tileTimer = null;

  // RD New (EPSG:28992) from WGS84: the approximation of Schreutelaar and Strang van Hees
  // ("Benaderingsformules voor de transformatie tussen RD- en WGS84-kaartcoordinaten"),
  // x = 155000 + sum R_pq dphi^p dlam^q, y = 463000 + sum S_pq dphi^p dlam^q with
  // dphi = 0.36 (phi - 52.15517440), dlam = 0.36 (lam - 5.38720621) in degrees; within
  // a metre over the Netherlands, which only chooses the tiles to fetch.
  var RD_R = [[0, 1, 190094.945], [1, 1, -11832.228], [2, 1, -114.221], [0, 3, -32.391],
              [1, 0, -0.705], [3, 1, -2.340], [1, 3, -0.608], [0, 2, -0.008], [2, 3, 0.148]];
  var RD_S = [[1, 0, 309056.544], [0, 2, 3638.893], [2, 0, 73.077], [1, 2, -157.984],
              [3, 0, 59.788], [0, 1, 0.433], [2, 2, -6.439], [1, 1, -0.032], [0, 4, 0.092],
              [1, 4, -0.054]];
  function toRd(lat, lon) {
    var dp = 0.36 * (lat - 52.15517440), dl = 0.36 * (lon - 5.38720621);
    function sum(terms) {
      return terms.reduce(function (t, c) { return t + c[2] * Math.pow(dp, c[0]) * Math.pow(dl, c[1]); }, 0);
    }
    return [155000 + sum(RD_R), 463000 + sum(RD_S)];
  }
  window.wkRd = toRd;  // for the browser tests

  // the ?bbox= addresses of the tiles of a grid layer that the padded view touches
  function tileUrls(layerInfo) {
    var b = map.getBounds().pad(0.2), t = layerInfo.tile_m;
    var xy = [b.getSouthWest(), b.getNorthWest(), b.getNorthEast(), b.getSouthEast()].map(
      function (p) { return toRd(p.lat, p.lng); });
    var xs = xy.map(function (p) { return p[0]; }), ys = xy.map(function (p) { return p[1]; });
    var urls = [];
    for (var tx = Math.floor(Math.min.apply(null, xs) / t); tx * t < Math.max.apply(null, xs); tx++) {
      for (var ty = Math.floor(Math.min.apply(null, ys) / t); ty * t < Math.max.apply(null, ys); ty++) {
        urls.push(layerInfo.url + "?bbox=" + [tx * t, ty * t, (tx + 1) * t, (ty + 1) * t].join(","));
      }
    }
    return urls;
  }

  function cellPixels(size) {
    var lat = map.getCenter().lat * Math.PI / 180;
    var metresPerPixel = 40075016.686 * Math.cos(lat) / Math.pow(2, map.getZoom() + 8);
    return size / metresPerPixel;
  }

  function showHint(text) {
    if (!hint) {
      hint = L.control({ position: "topright" });
      hint.onAdd = function () {
        var div = L.DomUtil.create("div", "map-zoom-hint");
        div.setAttribute("role", "status");
        return div;
      };
    }
    if (text) {
      hint.addTo(map);
      hint.getContainer().textContent = text;
    } else if (hint.getContainer()) {
      hint.remove();
    }
  }

  function render() {
    var m = shown.m, within = shown.within, child = shown.child, nf = shown.nf;
    group.clearLayers();
    var bounds = L.latLngBounds([]);
    var size = CELL_M[m.level];
    var view = size ? map.getBounds().pad(0.2) : null;
    var cellsOn = !size || cellPixels(size) >= MIN_CELL_PX;
    showHint(cellsOn ? "" : shown.hint);
    mapEl.dataset.cells = size ? (cellsOn ? "shown" : "zoom") : "";
    var noData = m.legend.no_data.colour, suppressed = m.legend.suppressed.colour;
    m.layers.forEach(function (layerInfo, i) {
      var layer = L.geoJSON(shown.gj[i], {
        filter: function (f) {
          if (size) {
            if (!cellsOn) return false;
            var corner = f.geometry.coordinates[0][0];
            if (!view.contains([corner[1], corner[0]])) return false;
          }
          if (m.values[f.id]) return true;
          if (!layerInfo.primary) return false;
          return !within || f.properties.gm === within || f.properties.wk === within;
        },
        style: function (f) {
          var v = m.values[f.id];
          var fill = !v ? noData : v[1] >= 0 ? m.classes[v[1]].colour : v[1] === -2 ? suppressed : noData;
          return { fillColor: fill, fillOpacity: 0.9, color: "#4d4d4d",
                   weight: size ? 0.2 : within ? 0.8 : 0.3 };
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
    return bounds;
  }

  // a grid level: the tiles in view fetched (those not yet), then the cells drawn
  function drawCells() {
    if (!shown) return Promise.resolve();
    var current = shown, seq = drawSeq;
    if (cellPixels(CELL_M[current.m.level]) < MIN_CELL_PX) {
      current.gj = current.m.layers.map(function () { return { features: [] }; });
      render();
      return Promise.resolve();
    }
    var wanted = current.m.layers.map(tileUrls);
    return Promise.all(wanted.map(function (urls) {
      return Promise.all(urls.map(getGeometry));
    })).then(function (perLayer) {
      if (seq !== drawSeq || shown !== current) return;  // superseded meanwhile
      current.gj = perLayer.map(function (tiles) {
        return { features: [].concat.apply([], tiles.map(function (t) { return t.features; })) };
      });
      render();
      mapEl.dataset.tiles = wanted.map(function (urls) { return urls.join(" "); }).join(" ");
    });
  }

  map.on("moveend", function () {
    if (!shown || !CELL_M[shown.m.level]) return;
    clearTimeout(tileTimer);
    tileTimer = setTimeout(function () {
      drawCells().catch(function (err) { showError(err); });
    }, TILE_WAIT);
  });

  function showError(err) {
    shown = null;
    group.clearLayers();  // never leave the previous map standing under a new legend
    mapEl.dataset.ready = "error";
    if (window.wkShowError) window.wkShowError(document.getElementById("map-panel"), err.message);
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
      shown = null;
      showHint("");
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
      var grid = !!CELL_M[m.level];
      // a grid level's cells come by tiles (drawCells); the other levels' layers whole
      return Promise.all(m.layers.map(function (l) {
        return grid ? { features: [] } : getGeometry(l.url);
      })).then(function (gj) {
        if (seq !== drawSeq) return;  // a newer request superseded this one
        shown = { m: m, gj: gj, within: within, child: child, nf: nf,
                  hint: state.dataset.zoomHint || "" };
        var bounds = render();
        if (grid && within && m.bounds) bounds = L.latLngBounds(m.bounds);
        var key = m.level + "|" + (within || "");
        var fitted = false;
        if (key !== lastKey) {
          // fitting the bounds moves the map, and moveend draws a grid level's cells
          fitted = !within || bounds.isValid();
          if (within && bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
          else if (!within) map.fitBounds([[50.75, 3.35], [53.55, 7.25]]);
          lastKey = key;
        }
        return grid && !fitted ? drawCells() : null;
      }).then(function () {
        if (seq !== drawSeq) return;
        mapEl.dataset.ready = "1";
        mapEl.dataset.drawn = state.dataset.valuesUrl;
        mapEl.dataset.features = String(Object.keys(m.values).length);
        window.wkMapReady = performance.now();
        document.dispatchEvent(new CustomEvent("wk:map-ready", { detail: m }));
      });
    }).catch(function (err) {
      if (seq !== drawSeq) return;
      showError(err);
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
