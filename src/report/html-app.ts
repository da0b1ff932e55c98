/**
 * The browser side of report.html, as plain JavaScript text (it is inlined, hashed into the CSP and
 * never loaded from anywhere). It reads the embedded data and draws the charts with uPlot; every
 * string it shows goes through uPlot's text nodes or textContent, never innerHTML.
 */
export const HTML_APP = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('sessbench-data').textContent);
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e',
    '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
  var colour = function (i) { return palette[i % palette.length]; };

  function width(el) { return Math.max(260, Math.min(1100, el.clientWidth || 800)); }

  // Every chart follows its container's width: narrow screens, and the page width when printing.
  var charts = [];
  function track(u, el) { charts.push({ u: u, el: el }); return u; }
  function fit() { charts.forEach(function (c) { c.u.setSize({ width: width(c.el), height: c.u.height }); }); }
  var pending = 0;
  window.addEventListener('resize', function () { clearTimeout(pending); pending = setTimeout(fit, 100); });
  window.addEventListener('beforeprint', fit);

  // Fault windows (red) and failovers / migrations (blue), shaded under the series of every time chart.
  var shade = {
    hooks: {
      drawClear: [function (u) {
        var ctx = u.ctx;
        ctx.save();
        u.root.setAttribute('data-shaded', String(data.faults.length));
        data.faults.forEach(function (f) {
          var a = u.valToPos(f.startSec, 'x', true);
          var b = u.valToPos(f.endSec === null ? u.scales.x.max : f.endSec, 'x', true);
          ctx.fillStyle = 'rgba(220, 50, 50, 0.10)';
          ctx.fillRect(a, u.bbox.top, Math.max(1, b - a), u.bbox.height);
        });
        u.root.setAttribute('data-marked', String(data.marks.length));
        data.marks.forEach(function (m) {
          var a = u.valToPos(m.startSec, 'x', true);
          var b = u.valToPos(m.endSec === null ? u.scales.x.max : m.endSec, 'x', true);
          ctx.fillStyle = 'rgba(40, 90, 220, 0.14)';
          ctx.fillRect(a, u.bbox.top, Math.max(2, b - a), u.bbox.height);
        });
        ctx.restore();
      }],
    },
  };

  // Each point is one second of the run, drawn at the middle of its second; the second a backend's
  // load ended in is partial (it would read as a collapse) and is left out.
  function timeChart(id, title, unit, pick) {
    var el = document.getElementById(id);
    if (!el) return;
    var maxT = 0;
    data.backends.forEach(function (b) { maxT = Math.max(maxT, b.series.length); });
    var xs = [];
    for (var t = 0; t < maxT; t++) xs.push(t + 0.5);
    var columns = [xs];
    var withUnit = function (u, v) { return v == null ? '–' : (Math.round(v * 100) / 100) + ' ' + unit; };
    var series = [{ label: 'second', value: function (u, v) { return v == null ? '' : Math.floor(v) + 's'; } }];
    data.backends.forEach(function (b, i) {
      var first = Math.floor(b.startSec);
      var full = Math.floor(b.endSec);
      pick.forEach(function (p) {
        columns.push(xs.map(function (x, t) {
          var s = b.series[t];
          return s && t >= first && t < full ? p.get(s) : null;
        }));
        series.push({
          label: b.label + (p.suffix || ''), stroke: colour(i), width: p.width || 1.5, dash: p.dash, spanGaps: false,
          value: withUnit,
        });
      });
    });
    track(new uPlot({
      title: title,
      width: width(el),
      height: 260,
      plugins: [shade],
      scales: { x: { time: false } },
      // Ticks at whole seconds only.
      axes: [
        { label: 'seconds from the start of the load', incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600] },
        { label: unit },
      ],
      series: series,
    }, columns, el), el);
  }

  timeChart('chart-throughput', 'Turns per second', 'turns/s', [{ get: function (s) { return s.turns; } }]);
  timeChart('chart-latency', 'Latency over time: p99 (solid) and p50 (dashed)', 'ms', [
    { get: function (s) { return s.p99; }, suffix: ' p99' },
    { get: function (s) { return s.p50; }, suffix: ' p50', dash: [4, 4], width: 1 },
  ]);
  timeChart('chart-events', 'Lost, stale or diverged (solid) and failed (dashed) turns per second', 'turns', [
    { get: function (s) { return s.lost + s.stale + s.diverged; }, suffix: ' lost/stale' },
    { get: function (s) { return s.fail + s.info; }, suffix: ' errors', dash: [4, 4], width: 1 },
  ]);

  // Percentile spectrum: x = 1 / (1 - p) on a log axis, labelled as percentiles.
  (function () {
    var el = document.getElementById('chart-spectrum');
    if (!el || data.spectrum.percentiles.length === 0) return;
    var xs = data.spectrum.percentiles.map(function (p) { return 1 / (1 - p / 100); });
    var columns = [xs];
    var pct = function (v) { return v == null ? '' : String(Math.round((100 - 100 / v) * 1000) / 1000) + '%'; };
    var series = [{ label: 'percentile', value: function (u, v) { return pct(v); } }];
    data.spectrum.backends.forEach(function (b, i) {
      columns.push(b.values);
      series.push({ label: b.label, stroke: colour(i), width: 1.5 });
    });
    track(new uPlot({
      title: 'Latency by percentile (HDR spectrum)',
      width: width(el),
      height: 280,
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      axes: [
        {
          label: 'percentile',
          // Ticks at 0, 50, 90, 99, 99.9 … % only: 1 / (1 - p) is 1, 2, 10, 100, 1000 …
          splits: function () { return [1, 2, 10, 100, 1000, 10000, 100000]; },
          values: function (u, vals) { return vals.map(pct); },
        },
        { label: 'ms (log)' },
      ],
      series: series,
    }, columns, el), el);
  })();

  // Redis reads and writes per turn, as bars per backend.
  (function () {
    var el = document.getElementById('chart-redis');
    if (!el || data.redis.labels.length === 0) return;
    var xs = data.redis.labels.map(function (_, i) { return i; });
    // Reads to the left of each backend's tick, writes to the right.
    var bars = uPlot.paths.bars({ size: [0.3, 60], align: -1 });
    track(new uPlot({
      title: 'Redis reads and writes per turn',
      width: width(el),
      height: 240,
      scales: {
        x: { time: false, range: [-0.6, xs.length - 0.4] },
        y: { range: function (u, min, max) { return [0, Math.max(1.2, max * 1.1)]; } },
      },
      axes: [
        {
          values: function (u, vals) {
            return vals.map(function (v) {
              return data.redis.labels[v] === undefined || v % 1 ? '' : data.redis.labels[v];
            });
          },
          splits: function () { return xs; },
        },
        { label: 'per turn' },
      ],
      series: [
        { label: 'backend', value: function (u, v) { return data.redis.labels[v] || ''; } },
        { label: 'reads', fill: 'rgba(31,119,180,0.7)', stroke: '#1f77b4', paths: bars, points: { show: false } },
        {
          label: 'writes', fill: 'rgba(255,127,14,0.7)', stroke: '#ff7f0e',
          paths: uPlot.paths.bars({ size: [0.3, 60], align: 1 }), points: { show: false },
        },
      ],
    }, [xs, data.redis.reads, data.redis.writes], el), el);
  })();

  document.documentElement.setAttribute('data-charts', 'drawn');
})();
`;
