// @ts-check
/**
 * Plots as plain SVG (no library): line charts and stacked bars over time, with axes, a legend and a
 * value under the pointer. They scale to their container (viewBox), so they work at phone width.
 */

const SVG = "http://www.w3.org/2000/svg";
const W = 640;
const H = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 48 };

/**
 * @typedef {object} Series
 * @property {string} name
 * @property {number[]} values one per x
 * @property {string} [tone] a CSS class suffix: `series-<tone>` sets the colour
 */

/**
 * @typedef {object} ChartOptions
 * @property {number[]} xs x values (unix seconds)
 * @property {Series[]} series
 * @property {(y: number) => string} [yFormat]
 * @property {(x: number) => string} [xFormat]
 * @property {string} label accessible name of the plot
 * @property {number} [yMax] fixed top of the y axis (e.g. 1 for rates)
 */

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElement}
 */
function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return /** @type {SVGElement} */ (el);
}

/** A "nice" rounded top for the y axis. @param {number} max */
function niceMax(max) {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const steps = [1, 2, 2.5, 5, 10];
  for (const s of steps) if (max <= s * magnitude) return s * magnitude;
  return 10 * magnitude;
}

/** Whole numbers as such, fractions with one decimal (an axis up to 5 reads 0, 1.3, 2.5…). @param {number} y */
const defaultY = (y) => (Number.isInteger(y) ? String(y) : y.toFixed(1));

/** @param {number} x */
const defaultX = (x) =>
  new Date(x * 1000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });

/**
 * Axes, grid and the plotting frame shared by both chart kinds.
 * @param {ChartOptions} opts
 * @param {number} yMax
 */
function frame(opts, yMax) {
  const root = /** @type {SVGSVGElement} */ (
    svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": opts.label })
  );
  const yFormat = opts.yFormat ?? defaultY;
  const xFormat = opts.xFormat ?? defaultX;
  const innerH = H - PAD.top - PAD.bottom;
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + (innerH * i) / 4;
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "chart-grid" }));
    const label = svg("text", { x: PAD.left - 6, y: y + 4, class: "chart-axis", "text-anchor": "end" });
    label.textContent = yFormat(yMax * (1 - i / 4));
    root.append(label);
  }
  const n = opts.xs.length;
  const ticks = Math.min(n, 6);
  for (let i = 0; i < ticks; i++) {
    const index = ticks === 1 ? 0 : Math.round((i * (n - 1)) / (ticks - 1));
    // The first and last labels keep inside the frame.
    const anchor = ticks > 1 && i === 0 ? "start" : ticks > 1 && i === ticks - 1 ? "end" : "middle";
    const label = svg("text", { x: xAt(index, n), y: H - 8, class: "chart-axis", "text-anchor": anchor });
    label.textContent = xFormat(opts.xs[index] ?? 0);
    root.append(label);
  }
  return root;
}

/** @param {number} index @param {number} n */
function xAt(index, n) {
  const innerW = W - PAD.left - PAD.right;
  return n <= 1 ? PAD.left + innerW / 2 : PAD.left + (innerW * index) / (n - 1);
}

/** @param {number} value @param {number} yMax */
function yAt(value, yMax) {
  const innerH = H - PAD.top - PAD.bottom;
  return PAD.top + innerH * (1 - Math.min(value, yMax) / yMax);
}

/** @param {Series[]} series */
function legend(series) {
  const el = document.createElement("ul");
  el.className = "chart-legend";
  for (const s of series) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${s.tone ?? "a"}`;
    item.append(swatch, s.name);
    el.append(item);
  }
  return el;
}

/**
 * A line per series.
 * @param {ChartOptions} opts
 * @returns {HTMLElement}
 */
export function lineChart(opts) {
  const yMax = opts.yMax ?? niceMax(Math.max(0, ...opts.series.flatMap((s) => s.values)));
  const root = frame(opts, yMax);
  const n = opts.xs.length;
  const yFormat = opts.yFormat ?? defaultY;
  const xFormat = opts.xFormat ?? defaultX;
  for (const s of opts.series) {
    const points = s.values.map((v, i) => `${xAt(i, n).toFixed(1)},${yAt(v, yMax).toFixed(1)}`);
    root.append(svg("polyline", { points: points.join(" "), class: `chart-line series-${s.tone ?? "a"}` }));
    s.values.forEach((v, i) => {
      const dot = svg("circle", {
        cx: xAt(i, n),
        cy: yAt(v, yMax),
        r: n > 60 ? 1.5 : 3,
        class: `chart-dot series-${s.tone ?? "a"}`,
      });
      const title = svg("title");
      title.textContent = `${s.name} at ${xFormat(opts.xs[i] ?? 0)}: ${yFormat(v)}`;
      dot.append(title);
      root.append(dot);
    });
  }
  return wrap(root, opts.series);
}

/**
 * Stacked bars: one bar per x, one segment per series.
 * @param {ChartOptions} opts
 * @returns {HTMLElement}
 */
export function stackedBars(opts) {
  const n = opts.xs.length;
  const totals = opts.xs.map((_, i) => opts.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const yMax = opts.yMax ?? niceMax(Math.max(0, ...totals));
  const root = frame(opts, yMax);
  const innerW = W - PAD.left - PAD.right;
  const barW = Math.max(1, Math.min(28, (innerW / Math.max(n, 1)) * 0.7));
  const yFormat = opts.yFormat ?? defaultY;
  const xFormat = opts.xFormat ?? defaultX;
  for (let i = 0; i < n; i++) {
    let base = 0;
    for (const s of opts.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const top = yAt(base + v, yMax);
      const bottom = yAt(base, yMax);
      const x = n <= 1 ? PAD.left + innerW / 2 - barW / 2 : xAt(i, n) - barW / 2;
      const rect = svg("rect", {
        x: Math.max(PAD.left, Math.min(x, W - PAD.right - barW)),
        y: top,
        width: barW,
        height: Math.max(0.5, bottom - top),
        class: `chart-bar series-${s.tone ?? "a"}`,
      });
      const title = svg("title");
      title.textContent = `${s.name} at ${xFormat(opts.xs[i] ?? 0)}: ${yFormat(v)}`;
      rect.append(title);
      root.append(rect);
      base += v;
    }
  }
  return wrap(root, opts.series);
}

/** @param {SVGSVGElement} root @param {Series[]} series */
function wrap(root, series) {
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  figure.append(root, legend(series));
  return figure;
}

/**
 * Fills missing buckets with zeros so time runs evenly along the x axis.
 * @template {{ start: number }} B
 * @param {B[]} buckets ascending, only the non-empty ones
 * @param {number} since unix seconds
 * @param {number} until unix seconds
 * @param {number} step seconds per bucket
 * @param {(start: number) => B} zero
 * @returns {B[]}
 */
export function fillBuckets(buckets, since, until, step, zero) {
  const byStart = new Map(buckets.map((b) => [b.start, b]));
  const out = [];
  const first = Math.floor(since / step) * step;
  for (let t = first; t <= until; t += step) out.push(byStart.get(t) ?? zero(t));
  return out;
}
