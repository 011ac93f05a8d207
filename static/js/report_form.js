// Mobile report form: pick the place on the map or from the phone's GPS (WGS84),
// filter the long category list by typing.
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  var lng = document.getElementById("id_lng"), lat = document.getElementById("id_lat");
  var text = document.getElementById("location-text");
  var marker = null, map = null;
  var picked = document.getElementById("picked-grid");
  // Name the grid the point falls in (the locate API answers only within the user's
  // jurisdiction), so the worker sees at once whether the point is where they meant.
  // Without signal, the phone finds the grid itself in the outlines it keeps
  // (static/js/outbox.js: ray casting over the worker's own grids).
  var offline = window.gridgovOffline;
  function offlineGrid(la, ln) {
    return offline ? offline.locate(ln, la) : Promise.reject(new Error("offline"));
  }
  function nameGrid(la, ln) {
    if (!picked || !el.dataset.locateUrl) return;
    picked.textContent = picked.dataset.looking;
    picked.classList.remove("outside");
    var url = el.dataset.locateUrl + "?lng=" + ln.toFixed(7) + "&lat=" + la.toFixed(7);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }, function () { return offlineGrid(la, ln); })
      .then(function (grid) {
        if (grid) {
          picked.textContent = picked.dataset.inside + grid.name;
        } else {
          picked.textContent = picked.dataset.outside;
          picked.classList.add("outside");
        }
      })
      .catch(function () { picked.textContent = ""; });
  }
  function set(la, ln) {
    lat.value = la.toFixed(7); lng.value = ln.toFixed(7);
    text.textContent = "已选择位置 " + ln.toFixed(5) + ", " + la.toFixed(5);
    nameGrid(la, ln);
    if (typeof checkDuplicates === "function") checkDuplicates();
    if (map) {
      if (marker) marker.setLatLng([la, ln]); else marker = L.marker([la, ln]).addTo(map);
      map.setView([la, ln], Math.max(map.getZoom(), 15));
    }
  }
  if (el && window.L) {
    var c = [parseFloat(el.dataset.centerLat) || 43.88, parseFloat(el.dataset.centerLng) || 125.32];
    map = L.map(el).setView(c, 13);
      map.on("click", function (e) { set(e.latlng.lat, e.latlng.lng); });
    drawGrids();
    if (lat.value && lng.value) set(parseFloat(lat.value), parseFloat(lng.value));
  }
  // Something to aim at: the user's own grid (bold) and its neighbours (thin, named).
  function drawGrids() {
    var empty = { type: "FeatureCollection", features: [] };
    function kept(which) {
      return offline ? offline.boundaries().then(function (b) { return b[which] || empty; }) : empty;
    }
    function get(url, which) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : empty; }, function () { return kept(which); });
    }
    var own = el.dataset.outlineUrl, around = el.dataset.neighboursUrl;
    if (!own) return;
    // A grid's neighbours come with the page (JSON data, not script); a larger area's
    // parts from the areas API.
    var inline = document.getElementById("pick-neighbours");
    var neighbours = inline ? Promise.resolve(JSON.parse(inline.textContent))
      : around ? get(around + "?zoom=15", "neighbours") : null;
    Promise.all([get(own + "?zoom=15", "own"), neighbours]).then(function (fcs) {
      if (fcs[1]) {
        L.geoJSON(fcs[1], {
          interactive: false,
          style: { color: "#607d8b", weight: 1, fillOpacity: 0.04, dashArray: "3 3" },
          onEachFeature: function (f, lyr) {
            var tip = document.createElement("span");
            tip.textContent = f.properties.name;
            lyr.bindTooltip(tip, { permanent: true, direction: "center", className: "map-label" });
          },
        }).addTo(map);
      }
      var mine = L.geoJSON(fcs[0], {
        interactive: false, style: { color: "#00838f", weight: 3, fillColor: "#00838f", fillOpacity: 0.08 },
      }).addTo(map);
      el.dataset.outlined = String(mine.getLayers().length);
      // Zoom to the grid but keep its inner point (the server's centre) in the middle,
      // where a tap lands inside the grid.
      if (mine.getLayers().length && !lat.value) {
        map.setView(map.getCenter(), map.getBoundsZoom(mine.getBounds().pad(0.1)));
      }
    });
  }
  var btn = document.getElementById("use-location");
  if (btn) btn.addEventListener("click", function () {
    if (!navigator.geolocation) { text.textContent = "此浏览器不支持定位,请在地图上选择"; return; }
    text.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      set(pos.coords.latitude, pos.coords.longitude);
    }, function () { text.textContent = "定位失败,请在地图上选择位置"; },
    { enableHighAccuracy: true, timeout: 10000 });
  });
  // Possible duplicates: same category, within 50 m, last 7 days (staff form only).
  var dup = document.getElementById("duplicates");
  function checkDuplicates() {
    var cat = document.getElementById("id_category");
    if (!dup || !cat || !cat.value || !lng.value) return;
    var url = dup.dataset.url + "?category=" + encodeURIComponent(cat.value) +
      "&lng=" + lng.value + "&lat=" + lat.value;
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        var ul = dup.querySelector("ul");
        ul.replaceChildren();
        rows.forEach(function (e) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = "../" + e.number + "/"; a.textContent = e.number + " " + e.title;
          li.appendChild(a); ul.appendChild(li);
        });
        dup.hidden = rows.length === 0;
      });
  }
  if (lng) { lng.addEventListener("change", checkDuplicates); }
  var catSelect = document.getElementById("id_category");
  if (catSelect) catSelect.addEventListener("change", checkDuplicates);
  var search = document.getElementById("category-search");
  var select = document.getElementById("id_category");
  if (search && select) search.addEventListener("input", function () {
    var q = search.value.trim();
    var first = null;
    Array.prototype.forEach.call(select.options, function (o) {
      var show = !q || !o.value || o.text.indexOf(q) >= 0;
      o.hidden = !show;
      if (show && o.value && !first) first = o;
    });
    if (q && first) select.value = first.value;
  });
})();
