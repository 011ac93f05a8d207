// 挂图作战: tasks per unit, stacked by state (overdue in red); the table below holds the
// same numbers.
(function () {
  "use strict";
  var el = document.getElementById("board-chart");
  var data = document.getElementById("board-data");
  if (!el || !data || !window.echarts) return;
  var chart = JSON.parse(data.textContent);
  var colours = { not_started: "#9e9e9e", in_progress: "#1976d2", done: "#2e7d32", overdue: "#c62828" };
  var instance = window.echarts.init(el);
  // Drawn (animations done): for whoever waits on it, a test or a screenshot.
  instance.on("finished", function () { el.setAttribute("data-drawn", "true"); });
  instance.setOption({
    tooltip: { trigger: "axis" },
    legend: {},
    grid: { left: 40, right: 20, bottom: 80 },
    xAxis: { type: "category", data: chart.units, axisLabel: { rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: chart.series.map(function (s) {
      return { type: "bar", stack: "tasks", name: s.name, data: s.data, itemStyle: { color: colours[s.state] } };
    }),
  });
})();
