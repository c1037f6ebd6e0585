// The trend chart (uPlot): one line per pen with its min-max band, one axis per unit, gaps
// as gaps, a cursor that reads out every pen at one time, and zoom by dragging.
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { pageData } from "./page-data.js";
import { formatDateTime } from "./time-format.js";

const COLOURS = ["#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8", "#fff176",
  "#4db6ac", "#e57373", "#9575cd", "#aed581", "#ff8a65", "#90a4ae"];
const HEIGHT_MARGIN = 8;

export function penColour(index) {
  return COLOURS[index % COLOURS.length];
}

function zoneDate(zone) {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return (ts) => uPlot.tzDate(new Date(ts * 1000), zone);
  } catch {
    return (ts) => new Date(ts * 1000);
  }
}

function formatValue(value, unit) {
  if (value == null) return "—";
  const text = Math.abs(value) >= 1000 ? value.toFixed(0) : value.toPrecision(4).replace(/\.?0+$/, "");
  return unit ? `${text} ${unit}` : text;
}

export class TrendChart {
  // onZoom(startDate, endDate) is called when the user drags across a time span.
  constructor(container, readout, { onZoom }) {
    this.container = container;
    this.readout = readout;
    this.onZoom = onZoom;
    this.plot = null;
    this.pens = [];
    this.units = "";
    this.drawn = null;
    new ResizeObserver(() => this.resize()).observe(container);
  }

  size() {
    const box = this.container.getBoundingClientRect();
    return { width: Math.max(200, box.width), height: Math.max(200, box.height - HEIGHT_MARGIN) };
  }

  // Width in pixels: the number of buckets worth asking for.
  get width() {
    return Math.round(this.size().width);
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  // Draws the pens' columns over [start, end]; resolves once the chart has drawn.
  show(pens, data, start, end) {
    const units = [...new Set(pens.map((pen) => pen.unit))];
    const shape = `${pens.map((pen) => pen.tag).join("|")}/${units.join("|")}`;
    if (!this.plot || shape !== this.units) {
      this.plot?.destroy();
      this.plot = new uPlot(this.options(pens, units), data, this.container);
      this.units = shape;
    } else {
      this.plot.setData(data, false);
    }
    this.pens = pens;
    const drawn = new Promise((resolve) => (this.drawn = resolve));
    this.plot.setScale("x", { min: start.getTime() / 1000, max: end.getTime() / 1000 });
    this.container.dataset.points = String(data[0].length);
    this.updateReadout(null);
    return drawn;
  }

  options(pens, units) {
    const series = [{}];
    const bands = [];
    pens.forEach((pen, index) => {
      const stroke = penColour(index);
      const scale = `unit:${pen.unit}`;
      series.push(
        { label: pen.tag, scale, stroke, width: 1.5, spanGaps: false, points: { show: false } },
        { label: `${pen.tag} min`, scale, stroke: `${stroke}55`, width: 1, spanGaps: false, points: { show: false } },
        { label: `${pen.tag} max`, scale, stroke: `${stroke}55`, width: 1, spanGaps: false, points: { show: false } },
      );
      const first = 1 + index * 3;
      bands.push({ series: [first + 2, first + 1], fill: `${stroke}22` });
    });
    const axes = [{ stroke: "#9fb0c3", grid: { stroke: "#2a3644" }, ticks: { stroke: "#2a3644" } }];
    units.forEach((unit, index) => {
      axes.push({
        scale: `unit:${unit}`,
        side: index % 2 ? 1 : 3,
        label: unit || "(no unit)",
        stroke: "#9fb0c3",
        size: 60,
        grid: { show: index === 0, stroke: "#2a3644" },
        ticks: { stroke: "#2a3644" },
      });
    });
    const scales = { x: { time: true } };
    for (const unit of units) scales[`unit:${unit}`] = { auto: true };
    return {
      ...this.size(),
      tzDate: zoneDate(pageData.timeZone),
      series,
      bands,
      axes,
      scales,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [(u) => this.selected(u)],
        setCursor: [(u) => this.updateReadout(u.cursor.idx)],
        draw: [() => this.afterDraw()],
      },
    };
  }

  afterDraw() {
    const resolve = this.drawn;
    this.drawn = null;
    resolve?.();
  }

  selected(u) {
    const { left, width } = u.select;
    if (width < 3) return;
    const start = new Date(u.posToVal(left, "x") * 1000);
    const end = new Date(u.posToVal(left + width, "x") * 1000);
    u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    this.onZoom(start, end);
  }

  // Every pen's value at the cursor's time (avg, and min to max when a bucket spans more).
  updateReadout(idx) {
    const rows = [];
    const data = this.plot?.data;
    const time = idx != null && data ? data[0][idx] : null;
    const head = document.createElement("div");
    head.className = "trend-readout-time";
    head.textContent = time == null ? "Move the cursor over the chart" : formatDateTime(new Date(time * 1000));
    rows.push(head);
    this.pens.forEach((pen, index) => {
      const row = document.createElement("div");
      row.className = "trend-readout-pen";
      row.dataset.tag = pen.tag;
      const swatch = document.createElement("span");
      swatch.className = "trend-swatch";
      swatch.style.background = penColour(index);
      const name = document.createElement("span");
      name.className = "trend-readout-tag";
      name.textContent = pen.tag;
      const value = document.createElement("span");
      value.className = "num";
      if (time != null) {
        const base = 1 + index * 3;
        const [avg, min, max] = [data[base][idx], data[base + 1][idx], data[base + 2][idx]];
        value.textContent = formatValue(avg, pen.unit);
        if (min != null && max != null && min !== max) {
          value.textContent += ` (${formatValue(min, "")} … ${formatValue(max, "")})`;
        }
      }
      row.append(swatch, name, value);
      rows.push(row);
    });
    this.readout.replaceChildren(...rows);
  }
}
