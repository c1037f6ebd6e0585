// The communication page: each COMaster online or offline, since when, its last poll,
// latency and counters, read again every two seconds.
import { getJSON } from "./api.js";
import { pageData } from "./page-data.js";
import { repeat } from "./periodic.js";
import { formatAge, formatDateTime } from "./time-format.js";

const REFRESH_MS = 2000;
const COUNTERS = ["polls", "timeouts", "bad_frames", "reconnects", "events_received"];
const body = document.getElementById("status-body");
let comasters = [];

async function refresh() {
  if (!pageData.profile) return;
  try {
    const page = await getJSON(`/api/comasters/?profile=${pageData.profile}&page_size=1000`);
    comasters = page.results;
    render();
  } catch {
    // The header reports the server unreachable; the table keeps what it knew.
  }
}

function render() {
  body.replaceChildren(...comasters.map(row));
}

function row(comaster) {
  const tr = document.createElement("tr");
  tr.dataset.comaster = comaster.name;
  const state = !comaster.enabled ? "disabled" : comaster.online ? "online" : "offline";
  tr.className = `is-${state}`;
  const name = cell(tr, comaster.name, "name");
  const where = document.createElement("small");
  where.className = "where";
  where.textContent = `${comaster.description} · ${comaster.host}:${comaster.port}`;
  name.append(where);
  const badge = document.createElement("span");
  badge.className = `state-badge state-${state}`;
  badge.textContent = state;
  tr.insertCell().append(badge);
  withAge(cell(tr, formatDateTime(comaster.state_since, { milliseconds: false })), comaster.state_since);
  withAge(cell(tr, formatDateTime(comaster.last_poll_at)), comaster.last_poll_at);
  cell(tr, comaster.latency_ms == null ? "—" : `${comaster.latency_ms.toFixed(1)} ms`, "num");
  for (const counter of COUNTERS) cell(tr, comaster[counter].toLocaleString("en-US"), "num");
  cell(tr, comaster.last_error || "", "error");
  return tr;
}

function withAge(node, time) {
  const age = document.createElement("small");
  age.className = "age";
  age.textContent = formatAge(time);
  node.append(age);
}

function cell(tr, text, className = "") {
  const node = tr.insertCell();
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

repeat(refresh, REFRESH_MS);
setInterval(render, 1000); // the ages move on between reads
