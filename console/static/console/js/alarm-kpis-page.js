// The alarm KPIs over a chosen period, as /api/alarm-kpis/?start=&end= computes them:
// figures as a list, and each list (most frequent, chattering, standing, shelved, ...) as
// a table. The period defaults to the last 24 hours and is kept in the page's address.
import { getJSON } from "./api.js";
import { formatDateTime, siteWallTimeToDate } from "./time-format.js";

const DAY_MS = 24 * 3600 * 1000;

const form = document.getElementById("kpi-period");
const output = document.getElementById("kpis");
const message = document.getElementById("kpi-message");

function title(key) {
  const text = key.replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function value(key, raw) {
  if (raw == null) return "—";
  if (typeof raw === "number") return Number.isInteger(raw) ? String(raw) : raw.toFixed(2);
  if (typeof raw === "string" && /(^|_)(time|start|end|since|at)$/.test(key)) return formatDateTime(raw);
  return typeof raw === "object" ? JSON.stringify(raw) : String(raw);
}

function table(key, rows) {
  const section = document.createElement("section");
  section.className = "kpi-table";
  section.dataset.kpi = key;
  section.append(Object.assign(document.createElement("h2"), { textContent: title(key) }));
  if (!rows.length) {
    section.append(Object.assign(document.createElement("p"), { className: "table-empty", textContent: "None." }));
    return section;
  }
  const columns = [...new Set(rows.flatMap((row) => (row && typeof row === "object" ? Object.keys(row) : ["value"])))];
  const element = document.createElement("table");
  element.className = "data-table";
  const headRow = element.createTHead().insertRow();
  for (const column of columns) headRow.append(Object.assign(document.createElement("th"), { textContent: title(column) }));
  const tbody = element.createTBody();
  for (const row of rows) {
    const tr = tbody.insertRow();
    for (const column of columns) {
      tr.insertCell().textContent = value(column, row && typeof row === "object" ? row[column] : row);
    }
  }
  section.append(element);
  return section;
}

function render(kpis) {
  const figures = document.createElement("dl");
  figures.className = "kpi-figures";
  const tables = [];
  for (const [key, raw] of Object.entries(kpis)) {
    if (Array.isArray(raw)) {
      tables.push(table(key, raw));
    } else if (raw && typeof raw === "object") {
      tables.push(table(key, Object.entries(raw).map(([name, entry]) => ({ name, ...(entry && typeof entry === "object" ? entry : { value: entry }) }))));
    } else {
      figures.append(
        Object.assign(document.createElement("dt"), { textContent: title(key) }),
        Object.assign(document.createElement("dd"), { textContent: value(key, raw), className: "mono" }),
      );
    }
  }
  output.replaceChildren(figures, ...tables);
}

async function compute(event) {
  event?.preventDefault();
  const start = siteWallTimeToDate(form.elements.start.value);
  const end = siteWallTimeToDate(form.elements.end.value);
  if (!start || !end) return;
  const wall = new URLSearchParams({ start: form.elements.start.value, end: form.elements.end.value });
  history.replaceState(null, "", `?${wall}`);
  message.textContent = "Computing…";
  try {
    const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString() });
    render(await getJSON(`/api/alarm-kpis/?${query}`));
    message.textContent = `From ${formatDateTime(start, { milliseconds: false })} to ${formatDateTime(end, { milliseconds: false })}.`;
  } catch (error) {
    message.textContent = `No KPIs: ${error.message}`;
  }
}

// "2024-05-02T14:03:07" in the site's zone, for a datetime-local input.
function wallTime(date) {
  return formatDateTime(date, { milliseconds: false }).replace(" ", "T");
}

const query = new URLSearchParams(location.search);
const now = new Date();
form.elements.start.value = query.get("start") ?? wallTime(new Date(now.getTime() - DAY_MS));
form.elements.end.value = query.get("end") ?? wallTime(now);
form.addEventListener("submit", compute);
compute();
