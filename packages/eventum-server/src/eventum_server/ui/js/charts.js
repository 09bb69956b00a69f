// SVG charts: a sparkline of recent events/s and a histogram of preview timestamps.
import { fmt, svg } from "./dom.js";

export function sparkline(values, { width = 120, height = 24, label = "" } = {}) {
  const max = Math.max(1, ...values);
  const step = width / Math.max(1, values.length - 1);
  const y = (v) => (height - 2 - (v / max) * (height - 4)).toFixed(1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v)}`).join(" ");
  return svg(
    "svg",
    { class: "spark", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, preserveAspectRatio: "none" },
    values.length > 1
      ? [
          svg("polygon", { points: `0,${height} ${points} ${(values.length - 1) * step},${height}`, fill: "currentColor", opacity: "0.12" }),
          svg("polyline", { points, fill: "none", stroke: "currentColor", "stroke-width": "1.5" }),
        ]
      : [],
  );
}

const shortTime = (iso) => iso.replace("T", " ").replace(/(\.\d+)?([+-]\d\d:\d\d|Z)$/, "");

export function histogram(edges, counts, { width = 900, height = 220 } = {}) {
  const pad = { left: 48, right: 8, top: 8, bottom: 36 };
  const w = width - pad.left - pad.right;
  const hgt = height - pad.top - pad.bottom;
  const max = Math.max(1, ...counts);
  const bar = w / Math.max(1, counts.length);
  const total = counts.reduce((a, b) => a + b, 0);
  const bars = counts.map((count, i) => {
    const barHeight = (count / max) * hgt;
    return svg(
      "rect",
      {
        x: (pad.left + i * bar + 0.5).toFixed(1), y: (pad.top + hgt - barHeight).toFixed(1),
        width: Math.max(1, bar - 1).toFixed(1), height: barHeight.toFixed(1), fill: "currentColor",
      },
      svg("title", {}, `${shortTime(edges[i])} – ${shortTime(edges[i + 1])}: ${fmt.format(count)}`),
    );
  });
  const ticks = [0, 0.5, 1].map((f) =>
    svg("text", { x: pad.left - 6, y: pad.top + hgt - f * hgt + 4, "text-anchor": "end" }, fmt.format(Math.round(max * f))),
  );
  const labels = [
    svg("text", { x: pad.left, y: height - 12 }, shortTime(edges[0])),
    svg("text", { x: width - pad.right, y: height - 12, "text-anchor": "end" }, shortTime(edges[edges.length - 1])),
  ];
  return svg(
    "svg",
    {
      class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `Histogram of ${fmt.format(total)} timestamps from ${edges[0]} to ${edges[edges.length - 1]}`,
    },
    svg("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: pad.top + hgt + 0.5, y2: pad.top + hgt + 0.5 }),
    ticks, bars, labels,
  );
}
