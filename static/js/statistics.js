/* The statistics pages' only script (the CSP allows no inline script).
 *
 * Charts: reads the JSON embedded with json_script (<script type="application/json"
 * id="chart-data">, the same data as the statistics:chart_data endpoint) and draws every
 * chart with the vendored Chart.js (static/vendor/chartjs). Each chart's data table stays in
 * the page as its accessible fallback: open when nothing could be drawn, folded once the
 * chart is there. Tooltips show the figures as the tables beside them do (cell.shown, with
 * thousands separators).
 *
 * Bulletin draft page: shows and wires the print button.
 */
(function () {
  "use strict";

  var PALETTE = ["#a61b1b", "#1d4ed8", "#b45309", "#1e7b34", "#6d28d9", "#0f766e"];
  var NARROW = 640;

  function wirePrintButtons() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function readCharts() {
    var element = document.getElementById("chart-data");
    if (!element) { return null; }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  function numbers(series) {
    return series.cells.map(function (cell) { return cell.number; });
  }

  function shortLabel(text) {
    // On a phone the unit goes (the axis title and the table carry it), then the rest is cut.
    var narrow = window.innerWidth < NARROW;
    var limit = narrow ? 9 : 18;
    if (narrow) { text = text.replace(/（[^（）]*）$/, ""); }
    return text.length > limit ? text.slice(0, limit - 1) + "…" : text;
  }

  function tickFormatter(percent) {
    return function (value) {
      return percent ? value + "%" : Number(value).toLocaleString("zh-CN");
    };
  }

  function canvasIn(host, label, height) {
    var box = document.createElement("div");
    // CSSOM properties, not a style attribute: allowed by style-src 'self'.
    box.style.position = "relative";
    box.style.width = "100%";
    box.style.height = height + "px";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", label + "（具体数值见下方数据表）");
    canvas.textContent = label;
    box.appendChild(canvas);
    host.appendChild(box);
    return canvas;
  }

  function scalesFor(spec, group) {
    var categoryAxis = spec.horizontal ? "y" : "x";
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[categoryAxis] = {
      ticks: {
        autoSkip: false,
        callback: function (value) { return shortLabel(this.getLabelForValue(value)); }
      }
    };
    group.forEach(function (series, index) {
      var id = index === 0 ? valueAxis : valueAxis + index;
      scales[id] = {
        beginAtZero: true,
        position: index === 0 ? (spec.horizontal ? "bottom" : "left")
          : (spec.horizontal ? "top" : "right"),
        grid: { drawOnChartArea: index === 0 },
        title: { display: group.length > 1, text: series.heading },
        ticks: { callback: tickFormatter(series.percent) }
      };
    });
    return scales;
  }

  function drawGroup(spec, group, host) {
    var valueAxis = spec.horizontal ? "x" : "y";
    var height = spec.horizontal ? Math.max(160, spec.labels.length * 26 + 70)
      : (spec.multiples ? 220 : 300);
    var label = spec.multiples ? spec.title + "：" + group[0].heading : spec.title;
    if (spec.multiples) {
      var caption = document.createElement("p");
      caption.className = "muted";
      caption.textContent = group[0].heading;
      host.appendChild(caption);
    }
    var canvas = canvasIn(host, label, height);
    var datasets = group.map(function (series, index) {
      var color = PALETTE[(spec.multiples ? spec.series.indexOf(series) : index) % PALETTE.length];
      var dataset = {
        label: series.heading,
        data: numbers(series),
        backgroundColor: color,
        borderColor: color,
        spanGaps: true
      };
      dataset[valueAxis + "AxisID"] = index === 0 ? valueAxis : valueAxis + index;
      return dataset;
    });
    var reduceMotion = window.matchMedia &&
      window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return new window.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        animation: reduceMotion ? false : undefined,
        scales: scalesFor(spec, group),
        plugins: {
          legend: { display: group.length > 1 },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? spec.labels[items[0].dataIndex] : ""; },
              label: function (context) {
                var series = group[context.datasetIndex];
                var cell = series.cells[context.dataIndex];
                return series.label + "：" + (cell.shown || cell.display) + (series.percent ? "" : series.unit);
              }
            }
          }
        }
      }
    });
  }

  function drawChart(spec) {
    var figure = document.querySelector('[data-chart="' + spec.key + '"]');
    if (!figure) { return; }
    var host = figure.querySelector("[data-chart-canvas]");
    var plotted = spec.series.filter(function (series) { return series.plot; });
    var drawable = plotted.some(function (series) {
      return series.cells.some(function (cell) { return cell.number !== null; });
    });
    if (!host || !drawable) { return; }
    // Fold the table first, so that the chart is sized in the final layout.
    var table = figure.querySelector("[data-chart-table]");
    if (table) { table.open = false; }
    try {
      var groups = spec.multiples ? plotted.map(function (series) { return [series]; })
        : [plotted];
      groups.forEach(function (group) { drawGroup(spec, group, host); });
    } catch (error) {
      if (table) { table.open = true; }
      throw error;
    }
  }

  function drawCharts() {
    var data = readCharts();
    if (!data || typeof window.Chart !== "function") { return; }
    window.Chart.defaults.font.family =
      '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "Source Han Sans SC", sans-serif';
    data.charts.forEach(function (spec) {
      try {
        drawChart(spec);
      } catch (error) {
        // Leave this chart's data table open; the others still draw.
        if (window.console) { window.console.error(error); }
      }
    });
  }

  function start() {
    wirePrintButtons();
    drawCharts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
