// Area map: draws the current area and its children, coloured by level; a click on
// a child drills down to it. Works with no base map (closed networks); a tile layer
// is added only when the server is configured with one.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var LEVEL_COLOURS = { 1: "#b71c1c", 2: "#e65100", 3: "#1565c0", 4: "#2e7d32", 5: "#6a1b9a", 6: "#00838f" };
  // SVG rather than canvas: each area is a DOM element people (and tests) can target.
  var map = L.map(el, { zoomSnap: 0.25 });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  map.setView([43.7, 126.2], 6);

  function drawOutline(fc) {
    var isGrid = el.dataset.level === "6";  // a grid has no children: show it filled
    return L.geoJSON(fc, {
      style: isGrid
        ? { color: LEVEL_COLOURS[6], weight: 2, fillColor: LEVEL_COLOURS[6], fillOpacity: 0.25 }
        : { color: "#333", weight: 2, fill: false, dashArray: "4 3" },
      interactive: false,
    }).addTo(map);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  var outline = null;
  var detail = 9;
  // The outline first (to frame the map), then the children and a fresh outline at one
  // and the same simplification: a coarser parent would let its children seem to spill
  // outside it.
  getJSON(el.dataset.selfUrl + "?zoom=8").then(function (fc) {
    outline = drawOutline(fc);
    if (outline.getLayers().length) map.fitBounds(outline.getBounds(), { padding: [12, 12] });
    detail = Math.round(map.getZoom() + 1);
    return Promise.all([
      getJSON(el.dataset.childrenUrl + "?zoom=" + detail),
      getJSON(el.dataset.selfUrl + "?zoom=" + detail),
    ]);
  }).then(function (both) {
    var fc = both[0];
    map.removeLayer(outline);
    outline = drawOutline(both[1]);
    // Names on the map when they fit (a few dozen areas); otherwise on hover.
    var permanent = fc.features.length <= 40;
    var layer = L.geoJSON(fc, {
      style: function (f) {
        var c = LEVEL_COLOURS[f.properties.level] || "#455a64";
        return { color: c, weight: 1.2, fillColor: c, fillOpacity: 0.18 };
      },
      onEachFeature: function (f, lyr) {
        // Names come from data: a text node, never HTML.
        var tip = document.createElement("span");
        tip.textContent = permanent ? f.properties.name : f.properties.name + " " + f.properties.code;
        lyr.bindTooltip(tip, permanent
          ? { permanent: true, direction: "center", className: "map-label" }
          : { sticky: true });
        lyr.on("mouseover", function () { lyr.setStyle({ fillOpacity: 0.45 }); });
        lyr.on("mouseout", function () { lyr.setStyle({ fillOpacity: 0.18 }); });
        lyr.on("click", function () {
          window.location.href = el.dataset.detailUrl.replace("CODE", f.properties.code);
        });
      },
    }).addTo(map);
    outline.bringToFront();
    el.dataset.loaded = String(fc.features.length);
    if (!outline || !outline.getLayers().length) {
      if (layer.getLayers().length) map.fitBounds(layer.getBounds());
    }
  }).catch(function (err) {
    el.dataset.loaded = "error";
    var box = document.createElement("div");
    box.className = "map-error";
    box.textContent = "地图数据加载失败 (" + err.message + ")";
    el.appendChild(box);
  });
})();
