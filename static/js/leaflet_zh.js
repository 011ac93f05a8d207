// Leaflet in the language of the page: Chinese titles on the zoom buttons, and no
// English "Leaflet" link in the corner (the licence does not ask for one). Loaded
// right after leaflet.js, before any map is made.
(function () {
  "use strict";
  if (!window.L) return;
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  L.Control.Zoom.prototype.options.zoomInTitle = english ? "Zoom in" : "放大";
  L.Control.Zoom.prototype.options.zoomOutTitle = english ? "Zoom out" : "缩小";
  L.Control.Attribution.prototype.options.prefix = false;
  L.Marker.prototype.options.alt = english ? "Picked place" : "所选位置";
})();
