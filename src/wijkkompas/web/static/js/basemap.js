// The offline base layer (Natural Earth 1:10m, public domain; scripts/bundle_basemap.py),
// shared by the choropleth (map.js) and the plan area picker (areapicker.js), so both
// maps show the same sea, lakes, coast and borders: in WGS84 like the boundaries, in a
// pane of its own under the boundaries (Leaflet's overlay pane is z-index 400), drawn as
// SVG, not interactive, not in a legend. Land is the map element's background.
(function () {
  var URL = "/static/basemap/naturalearth-10m-nl.geojson";
  var STYLES = {
    sea: { fillColor: "#dde9ef", fillOpacity: 1, stroke: false },
    lakes: { fillColor: "#dde9ef", fillOpacity: 1, stroke: false },
    coastline: { color: "#9fb3bf", weight: 1, fill: false },
    borders: { color: "#8c8c8c", weight: 1.5, dashArray: "6 4", fill: false },
    provinces: { color: "#c2c2c2", weight: 0.8, fill: false }
  };
  var data = null;  // one fetch per page, however often the picker's map is made again

  // Draws the base layer on map m; el.dataset.basemap tells the browser tests when it is
  // there ("1") or could not be had ("error": the boundaries are the map still).
  window.wkBasemap = function (m, el) {
    m.attributionControl.addAttribution("Ondergrond: Natural Earth");
    var pane = m.createPane("wk-basemap");
    pane.style.zIndex = 350;
    pane.style.pointerEvents = "none";
    var renderer = L.svg({ pane: "wk-basemap", padding: 0.5 });
    if (!data) {
      data = fetch(URL).then(function (r) {
        if (!r.ok) throw new Error("basemap " + r.status);
        return r.json();
      });
    }
    return data.then(function (gj) {
      L.geoJSON(gj, {
        pane: "wk-basemap", renderer: renderer, interactive: false,
        style: function (f) {
          var s = STYLES[f.properties.layer] || STYLES.provinces;
          var o = { className: "wk-basemap-" + f.properties.layer, interactive: false };
          for (var k in s) o[k] = s[k];
          return o;
        }
      }).addTo(m);
      el.dataset.basemap = "1";
    }).catch(function () {
      data = null;  // a later map may try again
      el.dataset.basemap = "error";
    });
  };
})();
