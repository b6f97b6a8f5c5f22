// The plan area picker on /plannen/nieuw: Leaflet without tiles, on the offline base
// layer of basemap.js as the map page, draws the wijken or buurten of the chosen
// gemeente; a click toggles the area's checkbox in the list beside the map, and the
// checkboxes (the keyboard way, and what the form sends) colour the map.
(function () {
  var SELECTED = { fillColor: "#01689b", fillOpacity: 0.75, color: "#154273", weight: 1.5 };
  // white, not blue: on the base layer a pale blue area would read as water
  var FREE = { fillColor: "#ffffff", fillOpacity: 0.7, color: "#4d4d4d", weight: 0.8 };
  var map = null;

  function box(code) { return document.getElementById("code-" + code); }

  function init() {
    var el = document.getElementById("pick-map");
    if (!el || !window.L || el.dataset.init) return;
    el.dataset.init = "1";
    if (map) { map.remove(); map = null; }
    map = L.map(el, { preferCanvas: false, zoomSnap: 0.25, minZoom: 6, maxZoom: 16 });
    window.wkPickMap = map;  // for the browser tests
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Grenzen: CBS (CC BY 4.0)");
    if (window.wkBasemap) window.wkBasemap(map, el);  // static/js/basemap.js, as on the map page
    var layers = {};
    var bounds = L.latLngBounds([]);
    var specs = JSON.parse(el.dataset.layers || "[]");
    Promise.all(specs.map(function (s) {
      return fetch(s.url).then(function (r) { return r.json(); }).then(function (gj) {
        var wanted = new Set(s.codes);
        L.geoJSON(gj, {
          filter: function (f) { return wanted.has(f.id); },
          style: function (f) { return box(f.id) && box(f.id).checked ? SELECTED : FREE; },
          onEachFeature: function (f, lyr) {
            layers[f.id] = lyr;
            lyr.bindTooltip(f.properties.name + " (" + f.id + ")", { sticky: true });
            lyr.on("click", function () {
              var b = box(f.id);
              if (!b) return;
              b.checked = !b.checked;
              b.dispatchEvent(new Event("change", { bubbles: true }));
            });
            bounds.extend(lyr.getBounds());
          }
        }).addTo(map);
      });
    })).then(function () {
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
      el.dataset.ready = "1";
    }).catch(function (err) { console.error(err); el.dataset.ready = "error"; });
    document.querySelectorAll("#area-picker input[name=codes]").forEach(function (b) {
      b.addEventListener("change", function () {
        if (layers[b.value]) layers[b.value].setStyle(b.checked ? SELECTED : FREE);
      });
    });
    var filter = document.getElementById("pick-filter");
    if (filter) filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      document.querySelectorAll("#area-picker .pick-items .check").forEach(function (row) {
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  }

  document.body.addEventListener("htmx:afterSettle", init);
  init();
})();
