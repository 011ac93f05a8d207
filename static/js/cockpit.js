// The cockpit: totals, a bar chart and a choropleth of the children of one area, all from
// the summary API; a click on a child (map, chart or table) drills down, the breadcrumb
// goes back up. Data never enters the DOM as HTML: text nodes only, ECharts tooltips drawn
// on the canvas (richText), Leaflet tooltips given an element.
(function () {
  "use strict";
  var root = document.getElementById("cockpit");
  if (!root) return;
  var FIGURES = ["people", "houses", "organisations", "places", "events_total",
                 "events_today", "events_open", "events_overdue", "people_special",
                 "houses_rented", "things_hazard", "events_near_due", "events_closed",
                 "events_overdue_rate", "events_closure_rate", "events_on_time_rate",
                 "events_satisfaction"];
  var PALETTE = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603"];
  var screen = root.dataset.screen === "1";
  function palette() {  // on the dark wall screen "none" is dark too
    return screen ? ["#1d3a63"].concat(PALETTE.slice(1)) : PALETTE;
  }
  var statusEl = document.getElementById("cockpit-status");
  var figureEl = document.getElementById("cockpit-figure");
  var trailEl = document.getElementById("cockpit-trail");
  var tbody = document.querySelector("#cockpit-children tbody");
  var levels = {};
  document.querySelectorAll("#cockpit-levels li").forEach(function (li) {
    levels[li.dataset.level] = li.textContent;
  });
  var trail = Array.prototype.map.call(trailEl.querySelectorAll("a"), function (a) {
    return { code: a.dataset.code, name: a.dataset.name, level: a.dataset.level };
  });
  var state = { code: root.dataset.area, figure: "people", summary: null, seq: 0 };
  var params = new URLSearchParams(window.location.search);
  if (FIGURES.indexOf(params.get("figure")) >= 0) state.figure = params.get("figure");
  figureEl.value = state.figure;

  function fmt(n) {
    return typeof n === "number" ? n.toLocaleString("zh-CN") : "–";
  }
  function label(figure) {
    var opt = figureEl.querySelector('option[value="' + figure + '"]');
    return opt ? opt.textContent : figure;
  }
  function setStatus(text, failed) {
    statusEl.textContent = text || "";
    statusEl.classList.toggle("error", !!failed);
    statusEl.hidden = !text;
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) {
            var err = new Error(body.detail || String(r.status));
            err.status = r.status;
            throw err;
          }
          return body;
        });
      });
  }
  function pageUrl(code) {
    var q = new URLSearchParams();
    q.set("area", code);
    if (state.figure !== "people") q.set("figure", state.figure);
    if (screen) q.set("screen", "1");
    return "?" + q.toString();
  }

  // ---- breadcrumb ----
  function renderTrail() {
    trailEl.replaceChildren();
    trail.forEach(function (a, i) {
      var el;
      if (i === trail.length - 1) {
        el = document.createElement("strong");
        el.setAttribute("aria-current", "page");
      } else {
        el = document.createElement("a");
        el.href = pageUrl(a.code);
        el.addEventListener("click", function (ev) {
          ev.preventDefault();
          trail = trail.slice(0, i + 1);
          go(a.code, true);
        });
      }
      el.dataset.code = a.code;
      el.textContent = a.name;
      trailEl.appendChild(el);
    });
  }

  function drill(child) {
    if (child.code === state.code) return;
    trail.push({ code: child.code, name: child.name, level: child.level });
    go(child.code, true);
  }

  // ---- totals ----
  function renderTotals(s) {
    document.querySelectorAll(".cockpit-totals dd[data-figure]").forEach(function (dd) {
      dd.textContent = fmt(s[dd.dataset.figure]);
      // A warning tile (超期) is red only when there is something to warn about.
      dd.classList.toggle("zero", !s[dd.dataset.figure]);
    });
    document.querySelectorAll(".cockpit-totals [data-sub]").forEach(function (el) {
      el.textContent = fmt(s[el.dataset.sub]);
    });
    var note = document.getElementById("cockpit-audience");
    if (note) note.hidden = s.audience !== "department";
    document.getElementById("cockpit-area-name").textContent = s.area.name;
    var lvl = document.getElementById("cockpit-area-level");
    lvl.textContent = levels[s.area.level] || s.area.level;
    lvl.className = "level level-" + s.area.level;
    var asOf = document.getElementById("cockpit-as-of");
    var when = s.as_of ? new Date(s.as_of) : null;
    asOf.textContent = when && !isNaN(when) ? asOf.dataset.label + " " + when.toLocaleString("zh-CN") : "";
    document.title = document.title.replace(/·[^·]*·/, "· " + s.area.name + " ·");
  }

  // ---- table ----
  function renderTable(s) {
    tbody.replaceChildren();
    if (!s.children.length) {
      var tr = tbody.insertRow();
      var td = tr.insertCell();
      td.colSpan = 1 + document.querySelectorAll("#cockpit-children thead th[data-figure]").length;
      td.className = "muted";
      td.textContent = document.getElementById("cockpit-children").dataset.empty;
      return;
    }
    var heads = document.querySelectorAll("#cockpit-children thead th[data-figure]");
    heads.forEach(function (th) {
      th.classList.toggle("chosen", th.dataset.figure === state.figure);
    });
    s.children.forEach(function (c) {
      var tr = tbody.insertRow();
      tr.dataset.code = c.code;
      var th = document.createElement("th");
      th.scope = "row";
      var a = document.createElement("a");
      a.href = pageUrl(c.code);
      a.textContent = c.name;
      a.addEventListener("click", function (ev) { ev.preventDefault(); drill(c); });
      th.appendChild(a);
      tr.appendChild(th);
      heads.forEach(function (h) {
        var td = tr.insertCell();
        td.dataset.figure = h.dataset.figure;
        td.className = "num" + (h.dataset.figure === state.figure ? " chosen" : "");
        if (h.hasAttribute("data-extra")) td.dataset.extra = "1";  // shown when chosen
        td.textContent = fmt(c[h.dataset.figure]);
      });
    });
  }

  // ---- bar chart ----
  var chartEl = document.getElementById("cockpit-chart");
  var chart = window.echarts ? window.echarts.init(chartEl, screen ? "dark" : null) : null;
  if (chart) {
    chart.on("click", function (p) {
      var c = state.summary && state.summary.children[p.dataIndex];
      if (c) drill(c);
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function renderChart(s) {
    if (!chart) return;
    var rows = s.children.slice();  // the table's order (the API's)
    chart.setOption({
      backgroundColor: "transparent",
      textStyle: { fontSize: screen ? 18 : 12 },
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: rows.map(function (c) { return c.name; }),
               axisLabel: { interval: 0, rotate: rows.length > 6 ? 40 : 0, fontSize: screen ? 16 : 12 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: screen ? 16 : 12 } },
      series: [{ type: "bar", name: label(state.figure), cursor: "pointer",
                 data: rows.map(function (c) { return c[state.figure] || 0; }),
                 itemStyle: { color: screen ? "#fd8d3c" : "#e6550d" }, barMaxWidth: 48 }],
    }, true);
    chartEl.dataset.figure = state.figure;
    chartEl.dataset.bars = String(rows.length);
  }

  // ---- choropleth ----
  var mapEl = document.getElementById("cockpit-map");
  var map = null, outline = null, childLayer = null, mapSeq = 0;
  if (window.L) {
    map = L.map(mapEl, { zoomSnap: 0.25 });
    if (root.dataset.tileUrl) {
      L.tileLayer(root.dataset.tileUrl, { attribution: root.dataset.tileAttribution || "" }).addTo(map);
    }
    map.setView([43.7, 126.2], 6);
  }
  // Equal-interval classes over (0, max]: class i (1..n-1) holds max·(i-1)/(n-1) < v ≤ max·i/(n-1);
  // class 0 is nothing at all.
  var STEPS = PALETTE.length - 1;
  function classOf(value, max) {
    if (!max || !value) return 0;
    return Math.min(STEPS, Math.max(1, Math.ceil((value * STEPS) / max)));
  }
  function byCode(s) {
    var out = {};
    s.children.forEach(function (c) { out[c.code] = c; });
    return out;
  }
  function maxOf(s) {
    return s.children.reduce(function (m, c) { return Math.max(m, c[state.figure] || 0); }, 0);
  }
  function styleFor(feature) {
    var s = state.summary;
    var c = s && byCode(s)[feature.properties.code];
    var colour = palette()[classOf(c ? c[state.figure] : 0, s ? maxOf(s) : 0)];
    return { color: screen ? "#9ecae1" : "#555", weight: 1, fillColor: colour, fillOpacity: 0.75 };
  }
  function tooltipFor(feature) {
    var c = state.summary && byCode(state.summary)[feature.properties.code];
    var tip = document.createElement("span");
    tip.textContent = feature.properties.name + ": " + label(state.figure) + " " +
      fmt(c ? c[state.figure] : undefined);
    return tip;
  }
  function renderLegend(s) {
    var legend = document.getElementById("cockpit-legend");
    legend.replaceChildren();
    var max = maxOf(s);
    palette().forEach(function (colour, i) {
      // integer bounds of the class; a class no whole number falls into is left out
      var lo = i === 0 ? 0 : Math.floor((max * (i - 1)) / STEPS) + 1;
      var hi = i === 0 ? 0 : Math.floor((max * i) / STEPS);
      if (lo > hi) return;
      var item = document.createElement("span");
      var sw = document.createElement("i");
      sw.style.background = colour;
      item.appendChild(sw);
      item.appendChild(document.createTextNode(lo === hi ? fmt(lo) : fmt(lo) + "–" + fmt(hi)));
      legend.appendChild(item);
    });
  }
  function recolour() {
    if (!childLayer) return;
    childLayer.eachLayer(function (lyr) {
      lyr.setStyle(styleFor(lyr.feature));
      lyr.setTooltipContent(tooltipFor(lyr.feature));
    });
  }
  function loadMap(s) {
    if (!map) return;
    var seq = ++mapSeq;
    var code = s.area.code;
    mapEl.removeAttribute("data-loaded");
    getJSON(root.dataset.selfUrl.replace("CODE", code) + "?zoom=8").then(function (fc) {
      if (seq !== mapSeq) return null;
      if (outline) map.removeLayer(outline);
      outline = L.geoJSON(fc, {
        style: { color: screen ? "#fff" : "#333", weight: 2, fill: !s.children.length,
                 fillColor: palette()[2], fillOpacity: 0.4, dashArray: "4 3" },
        interactive: false,
      }).addTo(map);
      if (outline.getLayers().length) map.fitBounds(outline.getBounds(), { padding: [12, 12] });
      if (!s.children.length) return { features: [] };
      return getJSON(root.dataset.childrenUrl.replace("CODE", code) + "?zoom=" +
                     Math.round(map.getZoom() + 1));
    }).then(function (fc) {
      if (!fc || seq !== mapSeq) return;
      if (childLayer) map.removeLayer(childLayer);
      childLayer = L.geoJSON(fc, {
        style: styleFor,
        onEachFeature: function (f, lyr) {
          var tip = tooltipFor(f);  // an element holding text, never an HTML string
          lyr.bindTooltip(tip, { sticky: true });
          lyr.on("mouseover", function () { lyr.setStyle({ weight: 3 }); });
          lyr.on("mouseout", function () { lyr.setStyle({ weight: 1 }); });
          lyr.on("click", function () {
            var c = state.summary && byCode(state.summary)[f.properties.code];
            drill(c || { code: f.properties.code, name: f.properties.name, level: f.properties.level });
          });
        },
      }).addTo(map);
      mapEl.dataset.loaded = String(fc.features.length);
    }).catch(function (err) {
      if (seq !== mapSeq) return;
      mapEl.dataset.loaded = "error";
      setStatus(statusEl.dataset.mapFailed + " (" + err.message + ")", true);
    });
  }

  // ---- the figure chosen ----
  function renderFigure() {
    document.querySelectorAll(".figure-name").forEach(function (el) {
      el.textContent = label(state.figure);
    });
    if (!state.summary) return;
    renderTable(state.summary);
    renderChart(state.summary);
    renderLegend(state.summary);
    recolour();
  }
  figureEl.addEventListener("change", function () {
    state.figure = figureEl.value;
    window.history.replaceState({ code: state.code }, "", pageUrl(state.code));
    renderFigure();
  });

  // ---- loading an area ----
  // The panels (cockpit_panels.js, the htmx rankings) follow the area: they read it from
  // #cockpit-area-input when the body hears "cockpit-area".
  var areaInput = document.getElementById("cockpit-area-input");
  var announced = root.dataset.area;
  function announce(code) {
    if (code === announced) return;
    announced = code;
    if (areaInput) areaInput.value = code;
    document.body.dispatchEvent(new CustomEvent("cockpit-area", { detail: { code: code } }));
  }

  function go(code, push) {
    var seq = ++state.seq;
    state.code = code;
    root.dataset.area = code;
    announce(code);
    root.removeAttribute("data-loaded");
    if (push) window.history.pushState({ code: code }, "", pageUrl(code));
    renderTrail();
    setStatus(statusEl.dataset.loading);
    getJSON(root.dataset.summaryUrl + "?area=" + encodeURIComponent(code)).then(function (s) {
      if (seq !== state.seq) return;
      state.summary = s;
      setStatus("");
      renderTotals(s);
      renderFigure();
      loadMap(s);
      root.dataset.loaded = s.area.code;
    }).catch(function (err) {
      if (seq !== state.seq) return;
      root.dataset.loaded = "error";
      setStatus(statusEl.dataset.failed + " (" + err.message + ")", true);
    });
  }
  window.addEventListener("popstate", function () {
    var code = new URLSearchParams(window.location.search).get("area") || trail[0].code;
    var i = trail.map(function (a) { return a.code; }).indexOf(code);
    if (i < 0) { window.location.reload(); return; }
    trail = trail.slice(0, i + 1);
    go(code, false);
  });
  // A case in the live feed (cockpit-live.js): the figures are read again (not the map).
  var liveTimer = null;
  root.addEventListener("cockpit:live-item", function () {
    clearTimeout(liveTimer);
    liveTimer = setTimeout(function () {
      var seq = state.seq;  // a drill-down meanwhile wins
      getJSON(root.dataset.summaryUrl + "?area=" + encodeURIComponent(state.code)).then(function (s) {
        if (seq !== state.seq) return;
        state.summary = s;
        renderTotals(s);
        renderFigure();
      }).catch(function () {});  // the next item or drill-down tries again
    }, 300);
  });
  go(state.code, false);
})();
