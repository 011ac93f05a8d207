// 三源治理: one bar per rate (percent); a rate without data (null) shows no bar.
(function () {
  "use strict";
  var el = document.getElementById("rates-chart");
  var data = document.getElementById("rates-data");
  if (!el || !data || !window.echarts) return;
  var chart = JSON.parse(data.textContent);
  window.echarts.init(el).setOption({
    tooltip: {},
    grid: { left: 40, right: 20, bottom: 80 },
    xAxis: { type: "category", data: chart.labels, axisLabel: { rotate: 30 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", data: chart.values }],
  });
})();
