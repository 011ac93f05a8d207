// Houses and places on a map. Labels are user data (addresses, names): they are put
// into the tooltip as a text node, never as HTML.
(function () {
  "use strict";
  var el = document.getElementById("data-map");
  if (!el || !window.L) return;
  var map = L.map(el).setView([43.88, 125.32], 11);
  // The boundaries of the user's area and of its parts, so the points have a place.
  if (el.dataset.outlineUrl) {
    var get = function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; });
    };
    get(el.dataset.childrenUrl + "?zoom=13").then(function (fc) {
      if (!fc) return;
      L.geoJSON(fc, {
        interactive: false, style: { color: "#607d8b", weight: 1, fillOpacity: 0.03 },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(textTooltip(f.properties.name), { permanent: fc.features.length <= 40, direction: "center", className: "map-label" });
        },
      }).addTo(map).bringToBack();
    });
    get(el.dataset.outlineUrl + "?zoom=13").then(function (fc) {
      if (!fc) return;
      var outline = L.geoJSON(fc, { interactive: false, style: { color: "#333", weight: 2, fill: false, dashArray: "4 3" } }).addTo(map);
      if (!el.dataset.loaded || el.dataset.loaded === "0") map.fitBounds(outline.getBounds());
    });
  }
  function textTooltip(text) {
    var span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span;
  }
  fetch(el.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        pointToLayer: function (f, latlng) {
          var c = f.properties.kind === "place" ? "#c62828" : (f.properties.rental ? "#ef6c00" : "#1565c0");
          return L.circleMarker(latlng, { radius: 6, color: c, fillOpacity: 0.7 });
        },
        onEachFeature: function (f, l) { l.bindTooltip(textTooltip(f.properties.label)); },
      }).addTo(map);
      el.dataset.loaded = String(fc.features.length);
      // Points that all share one spot make an empty box: never zoom past street level.
      if (fc.features.length) map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 16 });
    });
})();
