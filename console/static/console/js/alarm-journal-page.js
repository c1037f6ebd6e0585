// The alarm journal: every transition the alarms API stores, filtered by time, area,
// priority and point (kept in the page's address), newest first, with a CSV export of
// everything that matches. An open-ended period follows the plant live (site stream).
import { getJSON } from "./api.js";
import { onDemand } from "./on-demand.js";
import { onRevision } from "./site-stream.js";
import { formatDateTime, siteWallTimeToDate } from "./time-format.js";

const FIELDS = ["start", "end", "area", "priority", "tag"];
const PAGE_SIZE = 200;
// Columns in this order first; any other field the API adds follows.
const PREFERRED = ["time", "tag", "event", "from_state", "to_state", "priority", "area", "value", "user", "reason", "message"];
const TIME_FIELDS = new Set(["time", "state_since"]);

const form = document.getElementById("journal-filters");
const head = document.getElementById("journal-head");
const body = document.getElementById("journal-body");
const empty = document.getElementById("journal-empty");
const foot = document.getElementById("journal-foot");

function apiQuery() {
  const query = new URLSearchParams();
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (!value) continue;
    const isTime = name === "start" || name === "end";
    query.set(name, isTime ? (siteWallTimeToDate(value)?.toISOString() ?? value) : value);
  }
  return query;
}

function remember() {
  const query = new URLSearchParams();
  for (const name of FIELDS) if (form.elements[name].value) query.set(name, form.elements[name].value);
  const search = query.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function columnsOf(rows) {
  const keys = new Set(rows.flatMap((row) => Object.keys(row)));
  keys.delete("id");
  return [...PREFERRED.filter((key) => keys.has(key)), ...[...keys].filter((key) => !PREFERRED.includes(key))];
}

function shown(key, value) {
  if (value == null) return "";
  if (TIME_FIELDS.has(key)) return formatDateTime(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function rowsOf(page) {
  return Array.isArray(page) ? page : page.results;
}

const refresh = onDemand(async () => {
  const query = apiQuery();
  query.set("page_size", PAGE_SIZE);
  try {
    const page = await getJSON(`/api/alarm-journal/?${query}`);
    const rows = rowsOf(page);
    const columns = columnsOf(rows);
    head.replaceChildren(...columns.map((key) => Object.assign(document.createElement("th"), { textContent: key.replace("_", " ") })));
    body.replaceChildren();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const key of columns) tr.insertCell().textContent = shown(key, row[key]);
    }
    empty.hidden = rows.length > 0;
    const count = page.count ?? rows.length;
    foot.textContent = count > rows.length ? `The newest ${rows.length} of ${count} transitions.` : `${count} transitions.`;
  } catch (error) {
    foot.textContent = `The journal is not current: ${error.message}`;
  }
});

function csvField(value) {
  const text = value == null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// Every matching transition, page after page, as one CSV file (times as the API gives them).
async function exportCsv() {
  foot.textContent = "Preparing the CSV…";
  const rows = [];
  let url = `/api/alarm-journal/?${apiQuery()}&page_size=1000`;
  try {
    while (url) {
      const page = await getJSON(url);
      rows.push(...rowsOf(page));
      url = Array.isArray(page) ? null : page.next;
    }
  } catch (error) {
    foot.textContent = `No CSV: ${error.message}`;
    return;
  }
  const columns = ["id", ...columnsOf(rows)];
  const lines = [columns.join(","), ...rows.map((row) => columns.map((key) => csvField(row[key])).join(","))];
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([`${lines.join("\r\n")}\r\n`], { type: "text/csv" }));
  link.download = "alarm-journal.csv";
  link.click();
  URL.revokeObjectURL(link.href);
  foot.textContent = `${rows.length} transitions exported.`;
}

const query = new URLSearchParams(location.search);
for (const name of FIELDS) form.elements[name].value = query.get(name) ?? "";
form.addEventListener("change", () => {
  remember();
  refresh();
});
form.addEventListener("reset", () =>
  setTimeout(() => {
    remember();
    refresh();
  }),
);
document.getElementById("export-csv").addEventListener("click", exportCsv);
onRevision(() => {
  if (!form.elements.end.value) refresh();
});
