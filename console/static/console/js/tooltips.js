// Hovering a bound element shows its tag, its description and the current values of the
// points its formulas read (asked from the server on hover, and again while it stays).
// A click on it opens a trend of those points; on an element that opens a screen or the
// control panel (control-panel.js marks those .is-controllable) that click is taken, so the
// trend is Shift+click, and the tooltip says which click does what.
import { getJSON } from "./api.js";
import { formatTime } from "./time-format.js";

const REFRESH_MS = 2000;
const OFFSET_PX = 16;

export class Tooltips {
  constructor(area, panel, { describeLink }) {
    this.area = area;
    this.panel = panel;
    this.describeLink = describeLink;
    this.screenId = null;
    this.tag = null;
    this.node = null;
    this.timer = null;
    this.points = [];
    area.addEventListener("pointerover", (event) => {
      const node = event.target.closest?.("[tag]");
      if (node && node.getAttribute("tag") !== this.tag) this.show(node.getAttribute("tag"), node);
      if (!node) this.hide();
    });
    area.addEventListener("pointermove", (event) => this.place(event.clientX, event.clientY));
    area.addEventListener("pointerleave", () => this.hide());
    area.addEventListener("click", (event) => {
      const node = event.target.closest?.("[tag]");
      if (!node || node.getAttribute("tag") !== this.tag || !this.points.length) return;
      if (!event.shiftKey && (this.describeLink(this.tag) || isControllable(node))) return;
      event.preventDefault();
      location.assign(trendAddress(this.points));
    });
  }

  setScreen(screenId) {
    this.screenId = screenId;
    this.hide();
  }

  show(tag, node = null) {
    this.tag = tag;
    this.node = node;
    this.panel.replaceChildren(line("tooltip-tag", tag), line("tooltip-muted", "Reading…"));
    this.panel.hidden = false;
    this.refresh();
  }

  hide() {
    this.tag = null;
    this.node = null;
    this.points = [];
    clearTimeout(this.timer);
    this.panel.hidden = true;
  }

  async refresh() {
    clearTimeout(this.timer);
    const tag = this.tag;
    if (!tag) return;
    let info;
    try {
      info = await getJSON(`/screens/${this.screenId}/elements/${encodeURIComponent(tag)}`);
    } catch (error) {
      info = { tag, error: error.message, points: [], formulas: [], failed: true };
    }
    if (tag !== this.tag) return;
    this.points = info.points.map((point) => point.tag);
    this.render(info);
    this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  render(info) {
    const head = line("tooltip-tag", info.tag);
    if (info.current === false) head.append(badge("not current", "badge-stale"));
    if (info.error && !info.failed) head.append(badge("formula error", "badge-invalid"));
    const parts = [head];
    if (info.description) parts.push(line("tooltip-description", info.description));
    if (info.points.length) parts.push(pointsTable(info.points, info.description));
    if (info.error) parts.push(line("tooltip-error", info.error));
    const link = this.describeLink(info.tag);
    const controllable = isControllable(this.node);
    if (controllable) parts.push(line("tooltip-link tooltip-control", "Click for the control panel"));
    else if (link) parts.push(line("tooltip-link", `Click to open ${link}`));
    if (info.points.length) {
      const click = link || controllable ? "Shift+click" : "Click";
      parts.push(line("tooltip-link tooltip-trend", `${click} for a trend of ${info.points.map((p) => p.tag).join(", ")}`));
    }
    this.panel.replaceChildren(...parts);
  }

  place(x, y) {
    if (this.panel.hidden) return;
    const box = this.panel.getBoundingClientRect();
    const left = Math.min(x + OFFSET_PX, window.innerWidth - box.width - 8);
    const top = y + OFFSET_PX + box.height > window.innerHeight ? y - box.height - OFFSET_PX : y + OFFSET_PX;
    this.panel.style.left = `${Math.max(8, left)}px`;
    this.panel.style.top = `${Math.max(8, top)}px`;
  }
}

// Whether a click on the element opens the control panel (marked by control-panel.js, which
// takes that click before it gets here).
function isControllable(node) {
  return Boolean(node?.classList?.contains("is-controllable"));
}

// The Trends page showing the points (the last 24 hours).
export function trendAddress(tags) {
  const query = new URLSearchParams(tags.map((tag) => ["tag", tag]));
  query.set("range", "24h");
  return `/trends?${query}`;
}

function pointsTable(points, elementDescription) {
  const table = document.createElement("table");
  table.className = "tooltip-points";
  for (const point of points) {
    const row = table.insertRow();
    row.className = point.current ? "" : "is-not-current";
    cell(row, point.tag, "tooltip-point-tag");
    cell(row, point.description === elementDescription ? "" : point.description);
    cell(row, pointValue(point), "num");
    const note = !point.current
      ? `not current since ${formatTime(point.updated_at)} (${point.comaster})`
      : point.normal
        ? formatTime(point.updated_at)
        : point.quality;
    cell(row, note, "tooltip-muted");
  }
  return table;
}

function pointValue(point) {
  if (point.value === null) return "—";
  if (point.kind === "di") return point.text || String(point.value);
  const value = Number.isInteger(point.value) ? point.value : point.value.toFixed(2);
  return point.unit ? `${value} ${point.unit}` : String(value);
}

function line(className, text) {
  const node = document.createElement("div");
  node.className = className;
  node.textContent = text;
  return node;
}

function badge(text, className) {
  const node = document.createElement("span");
  node.className = `badge ${className}`;
  node.textContent = text;
  return node;
}

function cell(row, text, className = "") {
  const node = row.insertCell();
  node.textContent = text;
  if (className) node.className = className;
}
