// Houses and places on a map. Labels are user data (addresses, names): they are put
// into the tooltip as a text node, never as HTML.
(function () {
  "use strict";
  var el = document.getElementById("data-map");
  if (!el || !window.L) return;
  var map = L.map(el).setView([43.88, 125.32], 11);
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
      if (fc.features.length) map.fitBounds(layer.getBounds().pad(0.2));
    });
})();
