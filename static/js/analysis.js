// 多维研判: the pivot table and chart, the workload table and the comparison table, all
// from the analysis API with the parameters of the page's form (which the server already
// validated). Data never enters the DOM as HTML: text nodes only; the chart's tooltip is
// drawn by ECharts on the canvas (renderMode richText).
(function () {
  "use strict";
  var root = document.getElementById("analysis");
  if (!root) return;
  var form = document.getElementById("analysis-form");
  var statusEl = document.getElementById("analysis-status");
  var TOTAL = root.dataset.totalLabel;
  var chart = null;

  function formParams() {
    var q = new URLSearchParams();
    ["area", "rows", "cols", "from", "to"].forEach(function (name) {
      var el = form.elements[name];
      if (el && el.value) q.set(name, el.value);
    });
    return q;
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
          if (!r.ok) throw new Error(body.detail || String(r.status));
          return body;
        });
      });
  }
  function fmt(n) {
    return typeof n === "number" ? n.toLocaleString("zh-CN") : "–";
  }
  function pct(n) {
    return typeof n === "number" ? n.toFixed(1) + "%" : "–";
  }
  function cell(tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }
  function row(tag, cells, headFirst) {
    var tr = document.createElement("tr");
    cells.forEach(function (text, i) {
      var th = headFirst && i === 0;
      var el = cell(th ? "th" : tag, text, !th && i > 0 ? "num" : "");
      if (th) el.scope = "row";
      tr.appendChild(el);
    });
    return tr;
  }
  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }

  // -- pivot -------------------------------------------------------------------------------
  function renderPivot(p) {
    var table = document.getElementById("analysis-pivot");
    var thead = table.tHead, tbody = table.tBodies[0], tfoot = table.tFoot;
    [thead, tbody, tfoot].forEach(clear);
    var cols = p.columns;
    var head = [p.row_label + (p.col_dimension ? " \\ " + p.col_label : "")];
    cols.forEach(function (c) { head.push(c.name); });
    head.push(TOTAL);
    var htr = document.createElement("tr");
    head.forEach(function (text) {
      var th = cell("th", text);
      th.scope = "col";
      htr.appendChild(th);
    });
    thead.appendChild(htr);
    p.rows.forEach(function (r) {
      var cells = [r.name];
      cols.forEach(function (c) { cells.push(fmt(r.counts[c.key])); });
      cells.push(fmt(r.total));
      tbody.appendChild(row("td", cells, true));
    });
    var foot = [TOTAL];
    cols.forEach(function (c) { foot.push(fmt(p.totals[c.key])); });
    foot.push(fmt(p.total));
    tfoot.appendChild(row("td", foot, true));
    renderChart(p);
    setStatus(p.total ? "" : root.dataset.empty, false);
  }
  function renderChart(p) {
    var el = document.getElementById("analysis-chart");
    if (!window.echarts) return;
    if (!chart) chart = window.echarts.init(el);
    var names = p.rows.map(function (r) { return r.name; });
    var series;
    if (p.col_dimension) {
      series = p.columns.map(function (c) {
        return {
          name: c.name, type: "bar", stack: "n",
          data: p.rows.map(function (r) { return r.counts[c.key]; }),
        };
      });
    } else {
      series = [{ name: TOTAL, type: "bar", data: p.rows.map(function (r) { return r.total; }) }];
    }
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 64 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: names.length > 8 ? 40 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series,
    }, true);
  }

  // -- workload ----------------------------------------------------------------------------
  var workloadBy = document.getElementById("analysis-workload-by");
  function loadWorkload() {
    var q = formParams();
    q.delete("rows");
    q.delete("cols");
    q.set("by", workloadBy.value);
    var table = document.getElementById("analysis-workload");
    return getJSON(root.dataset.workloadUrl + "?" + q.toString()).then(function (w) {
      clear(table.tBodies[0]);
      clear(table.tFoot);
      function cells(r) {
        return [r.name, fmt(r.handled), pct(r.on_time_rate), fmt(r.mean_accept_hours),
                fmt(r.mean_close_hours), pct(r.reopen_rate)];
      }
      w.rows.forEach(function (r) { table.tBodies[0].appendChild(row("td", cells(r), true)); });
      table.tFoot.appendChild(row("td", cells(w.total), true));
    });
  }

  // -- comparison --------------------------------------------------------------------------
  var cmpPeriod = document.getElementById("analysis-compare-period");
  var cmpAt = document.getElementById("analysis-compare-at");
  var cmpBy = document.getElementById("analysis-compare-by");
  function loadCompare() {
    var q = new URLSearchParams();
    q.set("area", root.dataset.area);
    q.set("period", cmpPeriod.value);
    if (cmpAt.value) q.set("at", cmpAt.value);
    q.set("by", cmpBy.value);
    var table = document.getElementById("analysis-compare");
    return getJSON(root.dataset.compareUrl + "?" + q.toString()).then(function (c) {
      clear(table.tBodies[0]);
      clear(table.tFoot);
      function cells(r) {
        return [r.name, fmt(r.current), fmt(r.previous), pct(r.mom_pct), fmt(r.last_year),
                pct(r.yoy_pct)];
      }
      c.rows.forEach(function (r) { table.tBodies[0].appendChild(row("td", cells(r), true)); });
      table.tFoot.appendChild(row("td", cells(c.total), true));
    });
  }

  function failed(err) {
    setStatus(root.dataset.failed + ":" + err.message, true);
  }
  function loadAll() {
    var q = formParams();
    document.getElementById("analysis-export").href = root.dataset.exportUrl + "?" + q.toString();
    setStatus(root.dataset.loading, false);
    getJSON(root.dataset.eventsUrl + "?" + q.toString()).then(renderPivot).catch(failed);
    loadWorkload().catch(failed);
    loadCompare().catch(failed);
  }
  workloadBy.addEventListener("change", function () { loadWorkload().catch(failed); });
  [cmpPeriod, cmpAt, cmpBy].forEach(function (el) {
    el.addEventListener("change", function () { loadCompare().catch(failed); });
  });
  window.addEventListener("resize", function () { if (chart) chart.resize(); });
  loadAll();
})();
