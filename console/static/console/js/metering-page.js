// The metering dashboard: the building's load profile (today, yesterday, the same day last
// week), each flat's consumption this month against last month, a calendar heat map of daily
// energy per flat and each meter's state; drawn with uPlot like the trends. A service
// provider also gets the month's report (HTML, CSV, XLSX).
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { getJSON } from "./api.js";
import { pageData } from "./page-data.js";
import { formatDateTime } from "./time-format.js";

const byId = (id) => document.getElementById(id);
const COLOURS = { today: "#4fc3f7", yesterday: "#ffb74d", last_week: "#90a4ae" };
const LABELS = { today: "Today", yesterday: "Yesterday", last_week: "Last week" };
const status = byId("metering-status");
const select = byId("metering-building");
const charts = [];

function size(container) {
  const box = container.getBoundingClientRect();
  return { width: Math.max(300, box.width), height: Math.max(200, box.height - 30) };
}

function clock(minutes) {
  const h = String(Math.floor(minutes / 60)).padStart(2, "0");
  const m = String(minutes % 60).padStart(2, "0");
  return `${h}:${m}`;
}

function loadProfile(container, profile) {
  const xs = Array.from({ length: 96 }, (_, i) => i * 15);
  const columns = Object.keys(LABELS).map((key) => {
    const byMinute = new Map(profile[key].minutes.map((m, i) => [m, profile[key].kw[i]]));
    return xs.map((m) => (byMinute.has(m) ? byMinute.get(m) : null));
  });
  const series = [
    { label: "Time", value: (u, v) => (v == null ? "" : clock(v)) },
    ...Object.keys(LABELS).map((key) => ({
      label: LABELS[key], stroke: COLOURS[key], width: key === "today" ? 2 : 1,
      value: (u, v) => (v == null ? "—" : `${v.toFixed(2)} kW`),
    })),
  ];
  return new uPlot(
    {
      ...size(container),
      scales: { x: { time: false } },
      series,
      axes: [
        { stroke: "#9aa4ae", values: (u, ticks) => ticks.map(clock), incrs: [60, 120, 180, 240, 360] },
        { stroke: "#9aa4ae", label: "kW" },
      ],
    },
    [xs, ...columns],
    container,
  );
}

function flatBars(container, consumption) {
  const xs = consumption.flats.map((_, i) => i);
  // Two bars per flat, side by side: this month left of the flat's tick, last month right.
  const bars = (align) => uPlot.paths.bars({ size: [0.35, 40], align });
  return new uPlot(
    {
      ...size(container),
      scales: { x: { time: false, range: [-0.6, xs.length - 0.4] } },
      series: [
        { label: "Flat", value: (u, v) => (v == null ? "" : consumption.flats[v] ?? "") },
        { label: "This month", stroke: "#4fc3f7", fill: "rgba(79,195,247,0.6)", paths: bars(-1), points: { show: false },
          value: (u, v) => (v == null ? "—" : `${v.toFixed(1)} kWh`) },
        { label: "Last month", stroke: "#90a4ae", fill: "rgba(144,164,174,0.5)", paths: bars(1), points: { show: false },
          value: (u, v) => (v == null ? "—" : `${v.toFixed(1)} kWh`) },
      ],
      axes: [
        { stroke: "#9aa4ae", splits: () => xs, values: (u, ticks) => ticks.map((t) => consumption.flats[t] ?? "") },
        { stroke: "#9aa4ae", label: "kWh" },
      ],
    },
    [xs, consumption.this_month_kwh, consumption.last_month_kwh],
    container,
  );
}

function heatColour(value, max) {
  const share = max > 0 ? Math.min(1, value / max) : 0;
  const light = 18 + share * 50;
  return `hsl(200, 80%, ${light}%)`;
}

function heatMap(container, daily) {
  container.replaceChildren();
  container.style.gridTemplateColumns = `max-content repeat(${daily.days.length}, 16px)`;
  const max = Math.max(0, ...daily.flats.flatMap((f) => f.kwh.filter((v) => v != null)));
  container.append(document.createElement("span"));
  daily.days.forEach((day) => {
    const head = document.createElement("span");
    head.textContent = day.endsWith("-01") || day === daily.days[0] ? day.slice(5, 7) : "";
    container.append(head);
  });
  daily.flats.forEach((flat) => {
    const name = document.createElement("span");
    name.className = "heat-name";
    name.textContent = flat.name;
    container.append(name);
    flat.kwh.forEach((value, i) => {
      const cell = document.createElement("span");
      cell.className = value == null ? "heat-cell heat-empty" : "heat-cell";
      if (value != null) cell.style.background = heatColour(value, max);
      cell.title = `${flat.name} ${daily.days[i]}: ${value == null ? "no reading" : `${value.toFixed(1)} kWh`}`;
      container.append(cell);
    });
  });
}

function meterTable(body, meters) {
  body.replaceChildren(
    ...meters.map((m) => {
      const row = document.createElement("tr");
      row.dataset.missing = String(m.missing_this_month > 0);
      for (const text of [m.flat, m.meter ?? "—", m.last_reading ? formatDateTime(m.last_reading, { milliseconds: false }) : "—", String(m.missing_this_month)]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
}

function downloads(buildingId) {
  if (!pageData.canDownload) return;
  byId("metering-downloads").hidden = false;
  const month = byId("metering-month");
  if (!month.value) month.value = new Date().toISOString().slice(0, 7);
  const query = `building=${buildingId}&month=${month.value}`;
  byId("metering-report-html").href = `/metering/report?${query}`;
  byId("metering-report-csv").href = `/api/metering/report/?${query}&format=csv`;
  byId("metering-report-xlsx").href = `/api/metering/report/?${query}&format=xlsx`;
}

async function load() {
  const buildingId = select.value;
  status.textContent = "Loading…";
  let data;
  try {
    data = await getJSON(`/api/metering/dashboard/?building=${encodeURIComponent(buildingId)}`);
  } catch (error) {
    status.textContent = error.message;
    return;
  }
  while (charts.length) charts.pop().destroy();
  charts.push(loadProfile(byId("metering-load"), data.load_profile));
  charts.push(flatBars(byId("metering-flats"), data.consumption));
  heatMap(byId("metering-heat"), data.daily);
  meterTable(byId("metering-meters").tBodies[0], data.meters);
  downloads(data.building.id);
  const outage = data.mail_outage ? ` Mail cannot be delivered since ${formatDateTime(data.mail_outage, { milliseconds: false })}.` : "";
  status.textContent = `${data.building.name}, ${data.month}, times in ${data.time_zone}.${outage}`;
  document.body.dataset.meteringReady = "true";
}

function start() {
  if (!pageData.buildings.length) {
    status.textContent = "No building is configured yet (admin: Energy metering).";
    return;
  }
  for (const building of pageData.buildings) {
    select.append(new Option(building.name, building.id));
  }
  select.addEventListener("change", load);
  byId("metering-month").addEventListener("change", () => downloads(select.value));
  new ResizeObserver(() => {
    const containers = [byId("metering-load"), byId("metering-flats")];
    charts.forEach((chart, i) => chart.setSize(size(containers[i])));
  }).observe(byId("metering-load"));
  load();
}

start();
