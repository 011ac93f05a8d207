// 矛盾纠纷 on the cockpit (cockpit/templates/cockpit/_mediation.html): open disputes by
// mediation code for the area and each child, the 三源治理 rates of the last year (a bar
// chart and the same numbers as a table) and the most overdue open disputes, from
// /api/v1/cockpit/mediation/. It follows the area the cockpit shows (#cockpit[data-area],
// set by cockpit.js on every drill-down) and refreshes every 60 s. Text goes in through
// textContent only.
(function () {
  "use strict";
  var panel = document.getElementById("cockpit-mediation");
  var root = document.getElementById("cockpit");
  if (!panel || !root) return;
  var d = panel.dataset;
  var CODES = ["red", "orange", "yellow", "blue", "green"];
  var children = document.getElementById("cockpit-mediation-children");
  var rates = document.querySelector("#cockpit-mediation-rates-table tbody");
  var overdue = document.querySelector("#cockpit-mediation-overdue tbody");
  var status = document.getElementById("cockpit-mediation-status");
  var chartBox = document.getElementById("cockpit-mediation-chart");
  var chart = null;
  var seq = 0;

  function listUrl(code, colour, extra) {
    var url = d.listUrl + "?area=" + encodeURIComponent(code);
    if (colour) url += "&code=" + encodeURIComponent(colour);
    return extra ? url + extra : url;
  }

  function cell(tr, text, href, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (href && text !== 0) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = String(text);
      td.appendChild(a);
    } else {
      td.textContent = String(text);
    }
    tr.appendChild(td);
  }

  function pct(value) {
    return value === null ? d.noData : (value * 100).toFixed(1) + "%";
  }

  function drawRates(data) {
    rates.textContent = "";
    data.rates.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.rate = r.code;
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = r.label;
      tr.appendChild(th);
      cell(tr, pct(r.value), null, "num");
      cell(tr, r.numerator + "/" + r.denominator, null, "num");
      rates.appendChild(tr);
    });
    document.getElementById("cockpit-mediation-period").textContent = data.since + " ~ " + data.until;
    if (!window.echarts) return;
    if (!chart) chart = window.echarts.init(chartBox, root.dataset.screen === "1" ? "dark" : null);
    chart.setOption({
      grid: { left: 110, right: 16, top: 8, bottom: 24 },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: data.rates.map(function (r) { return r.label; }) },
      series: [{
        type: "bar",
        data: data.rates.map(function (r) { return r.value === null ? null : +(r.value * 100).toFixed(1); }),
      }],
      tooltip: { trigger: "axis" },
    });
  }

  function drawOverdue(data) {
    overdue.textContent = "";
    data.overdue.forEach(function (x) {
      var tr = document.createElement("tr");
      cell(tr, x.number, "/mediation/" + x.id + "/");
      cell(tr, x.code_label, null, "md-" + x.code);
      cell(tr, x.grid);
      cell(tr, x.overdue_days, null, "num");
      tr.title = x.title;
      overdue.appendChild(tr);
    });
    document.getElementById("cockpit-mediation-overdue-all").href =
      listUrl(data.area.code, null, "&overdue=1");
    status.textContent = data.overdue.length ? "" : d.empty;
  }

  function render(data) {
    panel.querySelectorAll("[data-disputes]").forEach(function (dd) {
      dd.textContent = String(data[dd.dataset.disputes]);
    });
    var body = children.querySelector("tbody");
    body.textContent = "";
    data.children.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.dataset.area = c.code;
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = c.name;
      tr.appendChild(th);
      cell(tr, c.open, listUrl(c.code));
      CODES.forEach(function (k) { cell(tr, c[k], listUrl(c.code, k), "md-" + k); });
      body.appendChild(tr);
    });
    children.hidden = data.children.length === 0;
    document.getElementById("cockpit-mediation-rates").href =
      d.ratesUrl + "?area=" + encodeURIComponent(data.area.code);
    drawRates(data);
    drawOverdue(data);
    panel.dataset.loaded = data.area.code;
  }

  function load() {
    var code = root.dataset.area;
    if (!code) return;
    var mine = ++seq;
    fetch(d.url + "?area=" + encodeURIComponent(code), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (mine === seq) render(data); })
      .catch(function () { if (mine === seq) status.textContent = d.failed; });
  }

  window.addEventListener("resize", function () { if (chart) chart.resize(); });
  new MutationObserver(load).observe(root, { attributes: true, attributeFilter: ["data-area"] });
  setInterval(load, 60000);
  load();
})();
