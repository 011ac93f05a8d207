// Mobile report form: pick the place on the map or from the phone's GPS (WGS84),
// filter the long category list by typing.
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  var lng = document.getElementById("id_lng"), lat = document.getElementById("id_lat");
  var text = document.getElementById("location-text");
  var marker = null, map = null;
  function set(la, ln) {
    lat.value = la.toFixed(7); lng.value = ln.toFixed(7);
    text.textContent = "已选择位置 " + ln.toFixed(5) + ", " + la.toFixed(5);
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
    if (lat.value && lng.value) set(parseFloat(lat.value), parseFloat(lng.value));
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
