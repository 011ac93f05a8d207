// The cockpit's panels (cockpit/templates/cockpit/cockpit.html, #cockpit-board): trend,
// breakdown, timeliness, satisfaction and the most overdue units, each from its own API
// (GET /api/v1/cockpit/<panel>/?area=CODE), each chart also a table. They follow the
// drill-down: cockpit.js dispatches "cockpit-area" on the body. The rankings are htmx
// partials and follow the same event by themselves. Text nodes only, never HTML; ECharts
// tooltips drawn on the canvas (richText).
(function () {
  "use strict";
  var board = document.getElementById("cockpit-board");
  var root = document.getElementById("cockpit");
  if (!board || !root) return;
  var screen = root.dataset.screen === "1";
  var state = { code: root.dataset.area, days: 7, by: "status", seq: 0 };
  var charts = {};
  var COLOURS = screen ? ["#ffd166", "#4cc9f0", "#f72585", "#90be6d", "#f8961e", "#b5179e",
                          "#43aa8b", "#577590"]
                       : ["#e6550d", "#3182bd", "#31a354", "#756bb1", "#fdae6b", "#636363",
                          "#9ecae1", "#a1d99b"];

  function chart(id) {
    if (!window.echarts) return null;
    if (!charts[id]) charts[id] = window.echarts.init(document.getElementById(id), screen ? "dark" : null);
    return charts[id];
  }
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  function fmt(n, unit) {
    if (n === null || n === undefined) return "–";
    return n.toLocaleString("zh-CN") + (unit || "");
  }
  function getJSON(panel, params) {
    var q = new URLSearchParams(params || {});
    q.set("area", state.code);
    return fetch(board.dataset.api + panel + "/?" + q.toString(), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw new Error(body.detail || String(r.status));
        return body;
      });
    });
  }
  function fillTable(id, rows, cells) {
    var table = document.getElementById(id);
    var tbody = table.tBodies[0];
    tbody.replaceChildren();
    if (!rows.length) {
      var td = tbody.insertRow().insertCell();
      td.colSpan = table.tHead.rows[0].cells.length;
      td.className = "muted";
      td.textContent = table.dataset.empty || "–";
      return;
    }
    rows.forEach(function (row) {
      var tr = tbody.insertRow();
      cells(row).forEach(function (value, i) {
        var cell;
        if (i === 0) {
          cell = document.createElement("th");
          cell.scope = "row";
          tr.appendChild(cell);
        } else {
          cell = tr.insertCell();
          cell.className = "num";
        }
        cell.textContent = value;
      });
    });
  }
  function base() {
    return {
      backgroundColor: "transparent",
      color: COLOURS,
      textStyle: { fontSize: screen ? 16 : 12 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText" },
    };
  }
  function unavailable(panel, off) {
    var p = panel.querySelector(".unavailable");
    p.textContent = board.dataset.unavailable;
    p.hidden = !off;
    panel.querySelectorAll(".panel-chart, details").forEach(function (el) {
      el.hidden = off;
    });
  }
  function done(panel, seq, code) {
    if (seq === state.seq) panel.dataset.loaded = code;
  }
  function failed(panel, seq) {
    return function (err) {
      if (seq !== state.seq) return;
      panel.dataset.loaded = "error";
      panel.dataset.error = err.message;
    };
  }

  // ---- trend ----
  var trendPanel = document.getElementById("panel-trend");
  function loadTrend(seq) {
    trendPanel.removeAttribute("data-loaded");
    return getJSON("trend", { days: state.days }).then(function (t) {
      if (seq !== state.seq) return;
      var reported = board.dataset.reported, closed = board.dataset.closed;
      t.windows.forEach(function (w) {
        var dd = document.querySelector('.cockpit-totals dd[data-window="' + w.days + '"]');
        if (dd) dd.textContent = fmt(w.reported);
      });
      var c = chart("chart-trend");
      if (c) {
        var opt = base();
        opt.legend = { top: 0, data: [reported, closed] };
        opt.xAxis = { type: "category", boundaryGap: false,
                      data: t.series.map(function (p) { return p.day.slice(5); }) };
        opt.yAxis = { type: "value", minInterval: 1 };
        opt.series = [
          { type: "line", name: reported, data: t.series.map(function (p) { return p.reported; }) },
          { type: "line", name: closed, data: t.series.map(function (p) { return p.closed; }) },
        ];
        c.setOption(opt, true);
      }
      fillTable("table-trend", t.series.slice().reverse(), function (p) {
        return [p.day, fmt(p.reported), fmt(p.closed)];
      });
      document.getElementById("chart-trend").dataset.points = String(t.series.length);
      done(trendPanel, seq, t.area.code);
    }).catch(failed(trendPanel, seq));
  }
  trendPanel.querySelectorAll("button[data-days]").forEach(function (b) {
    b.addEventListener("click", function () {
      state.days = Number(b.dataset.days);
      trendPanel.querySelectorAll("button[data-days]").forEach(function (x) {
        x.setAttribute("aria-pressed", String(x === b));
      });
      loadTrend(state.seq);
    });
  });

  // ---- breakdown ----
  var breakdownPanel = document.getElementById("panel-breakdown");
  var bySelect = document.getElementById("breakdown-by");
  function loadBreakdown(seq) {
    breakdownPanel.removeAttribute("data-loaded");
    return getJSON("breakdown", { by: state.by }).then(function (b) {
      if (seq !== state.seq) return;
      unavailable(breakdownPanel, !b.available);
      var c = chart("chart-breakdown");
      if (c && b.available) {
        var opt = base();
        opt.tooltip = { trigger: "item", renderMode: "richText" };
        opt.legend = { type: "scroll", orient: "vertical", right: 0, top: 8 };
        opt.series = [{
          type: "pie", radius: ["35%", "70%"], center: ["38%", "55%"],
          label: { formatter: "{d}%" },
          data: b.rows.map(function (r) { return { name: r.label, value: r.n }; }),
        }];
        c.setOption(opt, true);
      }
      fillTable("table-breakdown", b.rows, function (r) { return [r.label, fmt(r.n)]; });
      done(breakdownPanel, seq, b.area.code);
    }).catch(failed(breakdownPanel, seq));
  }
  bySelect.addEventListener("change", function () {
    state.by = bySelect.value;
    loadBreakdown(state.seq);
  });

  // ---- timeliness ----
  var timePanel = document.getElementById("panel-timeliness");
  function loadTimeliness(seq) {
    timePanel.removeAttribute("data-loaded");
    return getJSON("timeliness").then(function (t) {
      if (seq !== state.seq) return;
      timePanel.querySelectorAll("dd[data-t]").forEach(function (dd) {
        dd.textContent = fmt(t[dd.dataset.t], dd.dataset.unit);
      });
      unavailable(timePanel, !t.close_time_available);
      var c = chart("chart-close-time");
      if (c && t.close_time_available) {
        var opt = base();
        opt.tooltip = { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } };
        opt.xAxis = { type: "category", data: t.close_time.map(function (r) { return r.label; }) };
        opt.yAxis = { type: "value", minInterval: 1 };
        opt.series = [{ type: "bar", name: board.dataset.n, barMaxWidth: 36,
                        data: t.close_time.map(function (r) { return r.n; }) }];
        c.setOption(opt, true);
      }
      fillTable("table-close-time", t.close_time, function (r) { return [r.label, fmt(r.n)]; });
      done(timePanel, seq, t.area.code);
    }).catch(failed(timePanel, seq));
  }

  // ---- satisfaction ----
  var satPanel = document.getElementById("panel-satisfaction");
  function loadSatisfaction(seq) {
    satPanel.removeAttribute("data-loaded");
    return getJSON("satisfaction").then(function (s) {
      if (seq !== state.seq) return;
      satPanel.querySelectorAll("dd[data-s]").forEach(function (dd) {
        dd.textContent = fmt(s[dd.dataset.s], dd.dataset.unit);
      });
      unavailable(satPanel, !s.available);
      var el = document.getElementById("chart-satisfaction");
      var c = chart("chart-satisfaction");
      if (c && s.available) {
        var opt = base();
        opt.tooltip = { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } };
        opt.xAxis = { type: "category", data: s.ratings.map(function (r) { return r.rating + el.dataset.stars; }) };
        opt.yAxis = { type: "value", minInterval: 1 };
        opt.series = [{ type: "bar", name: board.dataset.n, barMaxWidth: 36,
                        itemStyle: { color: screen ? "#90be6d" : "#31a354" },
                        data: s.ratings.map(function (r) { return r.n; }) }];
        c.setOption(opt, true);
      }
      fillTable("table-satisfaction", s.ratings, function (r) {
        return [r.rating + el.dataset.stars, fmt(r.n)];
      });
      done(satPanel, seq, s.area.code);
    }).catch(failed(satPanel, seq));
  }

  // ---- the most overdue units ----
  var overduePanel = document.getElementById("panel-overdue");
  function loadOverdue(seq) {
    overduePanel.removeAttribute("data-loaded");
    return getJSON("overdue-units").then(function (o) {
      if (seq !== state.seq) return;
      document.getElementById("table-overdue-units").hidden = !o.units_available;
      var row = function (r) { return [r.name, fmt(r.overdue), fmt(r.near_due)]; };
      fillTable("table-overdue-units", o.units, row);
      fillTable("table-overdue-departments", o.departments, row);
      done(overduePanel, seq, o.area.code);
    }).catch(failed(overduePanel, seq));
  }

  function loadAll() {
    var seq = ++state.seq;
    loadTrend(seq);
    loadBreakdown(seq);
    loadTimeliness(seq);
    loadSatisfaction(seq);
    loadOverdue(seq);
  }
  document.body.addEventListener("cockpit-area", function (ev) {
    state.code = ev.detail.code;
    loadAll();
  });
  window.setInterval(loadAll, 60000);  // like the rankings (htmx, every 60 s)
  loadAll();
})();
