// 冒烟热点 on the cockpit (cockpit/templates/cockpit/_hotspots.html): the event clusters of
// /api/v1/hotspots/ on a small Leaflet map of the panel's own (cockpit.js keeps its map
// inside its closure), coloured by trend, with a list beside it. It follows the area the
// cockpit shows (#cockpit[data-area], set by cockpit.js on every drill-down). Text only:
// every name goes in through textContent or a text node, never as HTML.
(function () {
  "use strict";
  var panel = document.getElementById("cockpit-hotspots");
  var root = document.getElementById("cockpit");
  if (!panel || !root) return;
  var mapEl = document.getElementById("cockpit-hotspots-map");
  var list = document.getElementById("cockpit-hotspots-list");
  var status = document.getElementById("cockpit-hotspots-status");
  var d = panel.dataset;
  var map = null, layer = null, seq = 0, shown = null;

  if (window.L) {
    map = L.map(mapEl, { zoomSnap: 0.25 });
    if (d.tileUrl) L.tileLayer(d.tileUrl, { attribution: d.tileAttribution || "" }).addTo(map);
    map.setView([43.88, 125.33], 10);
  }

  function colour(change) {
    return change > 0 ? "#d7301f" : change < 0 ? "#fdcc8a" : "#fc8d59";
  }

  function trendText(t) {
    var sign = t.change > 0 ? "+" : "";
    return d.trendLabel + " " + sign + t.change;
  }

  function tooltip(p) {
    // An element with text nodes: Leaflet inserts a string as HTML, an element as it is.
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.category.name;
    box.appendChild(title);
    var line = document.createElement("div");
    line.textContent = d.countLabel + " " + p.count + " · " + trendText(p.trend);
    box.appendChild(line);
    if (p.places.length) {
      var near = document.createElement("div");
      near.textContent = d.placesLabel + ":" + p.places.map(function (pl) {
        return pl.name + "(" + pl.kind_label + " " + Math.round(pl.distance_m) + d.metres + ")";
      }).join("、");
      box.appendChild(near);
    }
    return box;
  }

  function render(fc) {
    list.textContent = "";
    status.textContent = fc.features.length ? "" : d.empty;
    if (map) {
      if (layer) map.removeLayer(layer);
      layer = L.geoJSON(fc, {
        style: function (f) {
          var c = colour(f.properties.trend.change);
          return { color: c, weight: 2, fillColor: c, fillOpacity: 0.45 };
        },
        onEachFeature: function (f, l) {
          var tip = tooltip(f.properties);  // an element holding text, never an HTML string
          l.bindTooltip(tip, { sticky: true });
        }
      }).addTo(map);
      if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 16 });
    }
    fc.features.slice(0, 20).forEach(function (f) {
      var p = f.properties;
      var li = document.createElement("li");
      li.textContent = p.category.name + " · " + d.countLabel + " " + p.count + " · " + trendText(p.trend) +
        (p.places.length ? " · " + p.places[0].name : "");
      list.appendChild(li);
    });
  }

  function load(code) {
    if (!code || code === shown) return;
    shown = code;
    var mine = ++seq;
    var url = d.url + "?area=" + encodeURIComponent(code) + "&days=" + encodeURIComponent(d.days);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) { if (mine === seq) render(fc); })
      .catch(function () { if (mine === seq) { list.textContent = ""; status.textContent = d.failed; } });
  }

  new MutationObserver(function () { load(root.dataset.area); })
    .observe(root, { attributes: true, attributeFilter: ["data-area"] });
  load(root.dataset.area);
})();
