// The case's location on a small map (event detail page).
(function () {
  "use strict";
  var el = document.getElementById("event-map");
  if (!el || !window.L) return;
  var p = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = L.map(el).setView(p, 16);
  L.circleMarker(p, { radius: 8, color: "#b71c1c" }).addTo(map);
})();
