// The Trends page: pens picked by search, a preset or custom range, zoom by dragging (the
// server is asked again for the finer range), pan, live mode, CSV export of what is shown
// and named views. Pens and range are part of the address, so a link opens the same trend.
import { historyQuery, readHistory, penColumns, appendTail, chartData } from "./trend-data.js";
import { TrendChart } from "./trend-chart.js";
import { PenPicker } from "./trend-pens.js";
import { TrendViews } from "./trend-views.js";
import { pageData } from "./page-data.js";
import { formatDateTime, siteWallTimeToDate } from "./time-format.js";

const SPANS = { "1h": 3600e3, "8h": 8 * 3600e3, "24h": 24 * 3600e3, "7d": 7 * 86400e3,
  "30d": 30 * 86400e3, "1y": 365 * 86400e3 };
const MIN_SPAN_MS = 1000;
const LIVE_MIN_MS = 2000;
const byId = (id) => document.getElementById(id);

const state = { range: { preset: "24h" }, live: false, pens: [], end: null, loads: 0, timer: null };
const status = byId("trend-status");
const csv = byId("trend-csv");

const chart = new TrendChart(byId("trend-chart"), byId("trend-readout"), {
  onZoom: (start, end) => setRange({ start, end }),
});
const picker = new PenPicker(
  { input: byId("trend-search"), results: byId("trend-results"), list: byId("trend-pens") },
  { maxPens: pageData.maxPens, onChange: () => load() },
);
const views = new TrendViews(
  {
    select: byId("trend-views"),
    name: byId("trend-view-name"),
    shared: byId("trend-view-shared"),
    save: byId("trend-view-save"),
    remove: byId("trend-view-delete"),
    message: byId("trend-view-message"),
  },
  {
    current: () => ({ tags: picker.tags, range: savedRange() }),
    onOpen: async (view) => {
      await picker.setTags(view.tags);
      const range = view.range.preset
        ? { preset: view.range.preset }
        : { start: new Date(view.range.start), end: new Date(view.range.end) };
      setRange(range);
    },
  },
);

function savedRange() {
  const { range } = state;
  return range.preset
    ? { preset: range.preset }
    : { start: range.start.toISOString(), end: range.end.toISOString() };
}

function timeWindow() {
  const { range } = state;
  if (!range.preset) return [range.start, range.end];
  const end = new Date();
  return [new Date(end.getTime() - SPANS[range.preset]), end];
}

function setRange(range) {
  if (!range.preset && range.end - range.start < MIN_SPAN_MS) return;
  state.range = range;
  if (!range.preset) setLive(false);
  for (const button of document.querySelectorAll("[data-preset]")) {
    button.setAttribute("aria-pressed", String(button.dataset.preset === range.preset));
  }
  load();
}

function setLive(on) {
  state.live = on && Boolean(state.range.preset);
  byId("trend-live").checked = state.live;
  clearTimeout(state.timer);
  if (state.live) scheduleLive();
}

function rememberInAddress() {
  const query = new URLSearchParams(picker.tags.map((tag) => ["tag", tag]));
  if (state.range.preset) query.set("range", state.range.preset);
  else {
    query.set("start", state.range.start.toISOString());
    query.set("end", state.range.end.toISOString());
  }
  history.replaceState(null, "", `${location.pathname}?${query}`);
}

async function load() {
  const load = ++state.loads;
  const tags = picker.tags;
  const [start, end] = timeWindow();
  rememberInAddress();
  showRangeInputs(start, end);
  if (!tags.length) {
    state.pens = [];
    chart.show([], [[]], start, end);
    csv.removeAttribute("href");
    say("Add a pen: search a point by tag, description or unit.");
    return;
  }
  say("Reading…");
  const url = historyQuery(tags, start, end, chart.width);
  let answer;
  try {
    answer = await readHistory(tags, start, end, chart.width);
  } catch (error) {
    if (load === state.loads) say(`The history cannot be read: ${error.message}`, true);
    return;
  }
  if (load !== state.loads) return; // a newer range or pen was asked for meanwhile
  state.pens = penColumns(answer, tags);
  state.end = end;
  status.dataset.resolution = answer.resolution;
  csv.href = historyQuery(tags, start, end, chart.width, "csv");
  const drawn = chart.show(state.pens, chartData(state.pens), start, end);
  const points = state.pens.reduce((sum, pen) => sum + pen.t.length, 0);
  say(`${answer.resolution} · ${points.toLocaleString("en")} values · ${formatDateTime(start, { milliseconds: false })} to ${formatDateTime(end, { milliseconds: false })}`);
  drawn.then(() => measure(url, load));
}

// From the click on a preset to the drawn chart, and the answer's size (reported by the
// page for the performance check; nothing depends on it).
function measure(url, load) {
  if (load !== state.loads || !performance.getEntriesByName("trend-click").length) return;
  performance.mark("trend-drawn");
  const took = performance.measure("trend-click-to-drawn", "trend-click", "trend-drawn");
  const resource = performance.getEntriesByName(new URL(url, location.href).href).at(-1);
  status.dataset.loadMs = took.duration.toFixed(1);
  status.dataset.bytes = String(resource?.encodedBodySize ?? "");
  status.dataset.bodyBytes = String(resource?.decodedBodySize ?? "");
  status.dataset.fetchMs = resource ? resource.duration.toFixed(1) : "";
  performance.clearMarks();
  performance.clearMeasures();
}

function scheduleLive() {
  const span = SPANS[state.range.preset];
  const every = Math.max(LIVE_MIN_MS, span / chart.width);
  state.timer = setTimeout(liveTail, every);
}

// Live: the history API is asked for what is newer than the chart's end, at the chart's
// resolution, and that part replaces the chart's tail; the window slides with the clock.
async function liveTail() {
  const load = state.loads;
  const tags = picker.tags;
  if (!state.live || !tags.length || !state.end) return scheduleLive();
  const [start, end] = timeWindow();
  const newest = Math.max(...state.pens.map((pen) => pen.t.at(-1) ?? -Infinity));
  const from = new Date(Number.isFinite(newest) ? newest * 1000 : state.end.getTime());
  const share = (end - from) / (end - start);
  try {
    const answer = await readHistory(tags, from, end, Math.ceil(chart.width * share) + 1);
    if (load === state.loads && state.live) {
      state.pens = appendTail(state.pens, penColumns(answer, tags), start);
      state.end = end;
      csv.href = historyQuery(tags, start, end, chart.width, "csv");
      chart.show(state.pens, chartData(state.pens), start, end);
    }
  } catch (error) {
    say(`Live values cannot be read: ${error.message}`, true);
  }
  if (state.live) scheduleLive();
}

function pan(direction) {
  const [start, end] = timeWindow();
  const shift = ((end - start) / 2) * direction;
  setRange({ start: new Date(start.getTime() + shift), end: new Date(end.getTime() + shift) });
}

function showRangeInputs(start, end) {
  byId("trend-start").value = wallTime(start);
  byId("trend-end").value = wallTime(end);
}

function wallTime(date) {
  return formatDateTime(date, { milliseconds: false }).replace(" ", "T");
}

function say(text, problem = false) {
  status.textContent = text;
  status.classList.toggle("is-problem", problem);
}

for (const button of document.querySelectorAll("[data-preset]")) {
  button.addEventListener("click", () => {
    performance.clearMarks();
    performance.mark("trend-click");
    setRange({ preset: button.dataset.preset });
  });
}
byId("trend-range-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const start = siteWallTimeToDate(byId("trend-start").value);
  const end = siteWallTimeToDate(byId("trend-end").value);
  if (start && end && start < end) setRange({ start, end });
  else say("The range needs a start before its end.", true);
});
byId("trend-back").addEventListener("click", () => pan(-1));
byId("trend-forward").addEventListener("click", () => pan(1));
byId("trend-live").addEventListener("change", (event) => {
  if (event.target.checked && !state.range.preset) {
    state.range = { preset: "1h" };
    setRange(state.range);
  }
  setLive(event.target.checked);
});

async function start() {
  const query = new URLSearchParams(location.search);
  const startAt = query.get("start") && new Date(query.get("start"));
  const endAt = query.get("end") && new Date(query.get("end"));
  if (startAt && endAt && startAt < endAt) state.range = { start: startAt, end: endAt };
  else if (SPANS[query.get("range")]) state.range = { preset: query.get("range") };
  await Promise.all([picker.setTags(query.getAll("tag").slice(0, pageData.maxPens)), views.load()]);
  setRange(state.range);
}

start();
