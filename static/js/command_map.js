// The command map (指挥一张图): open events, warnings, staff last positions (with their
// age) and key places of the area. Text goes into the DOM with textContent only.
(function () {
  "use strict";
  var el = document.getElementById("command-map");
  if (!el || !window.L) return;
  var map = L.map(el).setView([43.88, 125.33], 10);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0", green: "#2e7d32" };

  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function link(href, label) {
    var a = text("a", label);
    a.href = href;
    return a;
  }

  function eventPopup(e) {
    var box = document.createElement("div");
    box.appendChild(link(e.url, e.number + " " + e.title));
    box.appendChild(document.createElement("br"));
    box.appendChild(link(el.dataset.newUrl + "?event=" + encodeURIComponent(e.number), el.dataset.commandLabel));
    box.appendChild(text("span", " · "));
    box.appendChild(link(el.dataset.activateUrl + "?event=" + encodeURIComponent(e.number), el.dataset.activateLabel));
    return box;
  }

  // The area's outline under the layers (no base tiles on closed networks).
  var outlined = false;
  fetch(el.dataset.outlineUrl, { credentials: "same-origin" })
    .then(function (r) {
      return r.ok ? r.json() : null;
    })
    .then(function (fc) {
      if (!fc) return;
      var outline = L.geoJSON(fc, {
        style: { color: "#333", weight: 2, fillOpacity: 0.05, dashArray: "4 3" },
        interactive: false,
      }).addTo(map);
      outline.bringToBack();
      if (outline.getLayers().length) {
        outlined = true;
        map.fitBounds(outline.getBounds(), { padding: [12, 12] });
      }
    })
    .catch(function () {
      /* the layers below still show */
    });

  // A staff member's route of the day, drawn when their marker is clicked.
  var route = null;
  function showRoute(userId) {
    fetch(el.dataset.routeUrl + "?user=" + encodeURIComponent(userId), { credentials: "same-origin" })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (body) {
        if (route) map.removeLayer(route);
        route = null;
        if (!body || body.points.length < 2) return;
        route = L.polyline(
          body.points.map(function (p) {
            return [p.lat, p.lng];
          }),
          { color: "#1565c0", weight: 3, dashArray: "6 4" }
        ).addTo(map);
      });
  }

  fetch(el.dataset.url, { credentials: "same-origin" })
    .then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    })
    .then(function (data) {
      var bounds = [];
      data.places.forEach(function (p) {
        var tip = text("span", p.name);
        L.circleMarker(p.at, { radius: 4, color: "#6d4c41" }).bindTooltip(tip).addTo(map);
        bounds.push(p.at);
      });
      data.warnings.forEach(function (w) {
        var tip = text("span", w.label);
        L.circleMarker(w.at, { radius: 9, color: COLOURS[w.colour] || "#555", fillOpacity: 0.3 })
          .bindTooltip(tip)
          .addTo(map);
        bounds.push(w.at);
      });
      data.events.forEach(function (e) {
        var popup = eventPopup(e);
        L.circleMarker(e.at, { radius: 7, color: "#b71c1c", fillOpacity: 0.8 })
          .bindPopup(popup)
          .addTo(map);
        bounds.push(e.at);
      });
      data.staff.forEach(function (s) {
        var tip = text("span", s.name + " · " + s.age_minutes + " " + el.dataset.minutes);
        L.circleMarker(s.at, { radius: 6, color: "#1565c0", fillColor: "#42a5f5", fillOpacity: 0.9 })
          .bindTooltip(tip)
          .on("click", function () {
            showRoute(s.user);
          })
          .addTo(map);
        bounds.push(s.at);
      });
      if (bounds.length && !outlined) map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] });
    })
    .catch(function () {
      var p = text("p", el.dataset.failed);
      p.className = "map-error";
      el.appendChild(p);
    });
})();
