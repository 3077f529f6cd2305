// Charts drawn by our own code as inline SVG (no library): the throughput chart of succeeded
// and failed tasks per point, and a sparkline. Colours come from the stylesheet (.chart …).

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  for (const child of children) if (child) element.append(child);
  return element;
}

function label(x, y, text, anchor = "start") {
  const element = svg("text", { x, y, "text-anchor": anchor, class: "axis" });
  element.textContent = text;
  return element;
}

function pointTime(iso, stepSeconds) {
  const date = new Date(iso);
  return stepSeconds >= 3600
    ? date.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })
    : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/**
 * Stacked bars, succeeded below failed, one per point of GET /stats/timeseries; each bar has a
 * tooltip with its time and counts. The scale's top is the largest point, rounded up.
 */
export function throughputChart(series, { width = 760, height = 180 } = {}) {
  const points = series.points;
  const left = 44;
  const bottom = 20;
  const plotWidth = width - left - 6;
  const plotHeight = height - bottom - 8;
  const largest = Math.max(1, ...points.map((point) => point.succeeded + point.failed));
  const top = niceCeiling(largest);
  const slot = plotWidth / Math.max(1, points.length);
  const bar = Math.max(1, slot - (slot > 4 ? 1 : 0));
  const chart = svg("svg", {
    class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", preserveAspectRatio: "none",
    "aria-label": `Succeeded and failed tasks per ${series.step_seconds / 60} min: ${series.totals.succeeded} succeeded, ${series.totals.failed} failed`,
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = 8 + plotHeight * (1 - fraction);
    chart.append(svg("line", { x1: left, x2: width - 6, y1: y, y2: y, class: "grid" }));
    chart.append(label(left - 6, y + 4, formatCount(top * fraction), "end"));
  }
  points.forEach((point, index) => {
    const x = left + index * slot;
    const ok = (point.succeeded / top) * plotHeight;
    const bad = (point.failed / top) * plotHeight;
    const group = svg("g", { "data-succeeded": point.succeeded, "data-failed": point.failed, "data-t": point.t });
    const title = svg("title");
    title.textContent = `${pointTime(point.t, series.step_seconds)}: ${point.succeeded} succeeded, ${point.failed} failed` +
      (point.retried ? `, ${point.retried} retried` : "") + (point.revoked ? `, ${point.revoked} revoked` : "");
    group.append(title);
    // An invisible full-height target, so that a thin bar's tooltip is easy to hover.
    group.append(svg("rect", { x, y: 8, width: slot, height: plotHeight, class: "hit" }));
    if (ok > 0) group.append(svg("rect", { x, y: 8 + plotHeight - ok, width: bar, height: ok, class: "succeeded" }));
    if (bad > 0) group.append(svg("rect", { x, y: 8 + plotHeight - ok - bad, width: bar, height: bad, class: "failed" }));
    chart.append(group);
  });
  if (points.length) {
    chart.append(label(left, height - 4, pointTime(points[0].t, series.step_seconds)));
    chart.append(label(width - 6, height - 4, "now", "end"));
  }
  return chart;
}

/** A small line of `values` (oldest first), for a queue's recent throughput. */
export function sparkline(values, { width = 120, height = 26, title = "" } = {}) {
  const largest = Math.max(1, ...values);
  const step = width / Math.max(1, values.length - 1);
  const coordinates = values.map((value, index) => `${(index * step).toFixed(1)},${(height - 2 - (value / largest) * (height - 4)).toFixed(1)}`);
  const line = svg("svg", { class: "sparkline", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title });
  const tip = svg("title");
  tip.textContent = title;
  line.append(tip, svg("polyline", { points: coordinates.join(" ") }));
  return line;
}

function niceCeiling(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) if (value <= factor * power) return factor * power;
  return 10 * power;
}

function formatCount(value) {
  return value >= 1000 ? `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)}k` : String(Math.round(value));
}
