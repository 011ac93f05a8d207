// 风险预警 on the cockpit (cockpit/templates/cockpit/_warnings.html): open warnings by
// colour for the area and each child, from /api/v1/cockpit/warnings/ (the rollups). It
// follows the area the cockpit shows (#cockpit[data-area], set by cockpit.js on every
// drill-down) and refreshes every 60 s. Text only: names go in through textContent.
(function () {
  "use strict";
  var panel = document.getElementById("cockpit-warnings");
  var root = document.getElementById("cockpit");
  if (!panel || !root) return;
  var d = panel.dataset;
  var COLOURS = ["red", "orange", "yellow", "blue", "green"];
  var table = document.getElementById("cockpit-warnings-children");
  var body = table.querySelector("tbody");
  var status = document.getElementById("cockpit-warnings-status");
  var all = document.getElementById("cockpit-warnings-all");
  var seq = 0;

  function listUrl(code, colour) {
    var url = d.listUrl + "?box=all&status=open&area=" + encodeURIComponent(code);
    return colour ? url + "&colour=" + encodeURIComponent(colour) : url;
  }

  function cell(row, text, href, cls) {
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
    row.appendChild(td);
  }

  function render(data) {
    panel.querySelectorAll("[data-warnings]").forEach(function (dd) {
      dd.textContent = String(data[dd.dataset.warnings]);
    });
    all.href = listUrl(data.area.code);
    body.textContent = "";
    data.children.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.dataset.area = c.code;
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = c.name;
      tr.appendChild(th);
      cell(tr, c.open, listUrl(c.code));
      COLOURS.forEach(function (k) { cell(tr, c[k], listUrl(c.code, k), "wr-" + k); });
      body.appendChild(tr);
    });
    table.hidden = data.children.length === 0;
    status.textContent = data.open ? "" : d.empty;
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

  new MutationObserver(load).observe(root, { attributes: true, attributeFilter: ["data-area"] });
  setInterval(load, 60000);
  load();
})();
