// The communication page: every field link (COMasters, Modbus devices) online or
// offline, since when, its last poll, latency and counters, read again every two seconds
// from GET /api/links.
import { getJSON } from "./api.js";
import { pageData } from "./page-data.js";
import { repeat } from "./periodic.js";
import { formatAge, formatDateTime } from "./time-format.js";

const REFRESH_MS = 2000;
const COUNTERS = ["polls", "timeouts", "bad_frames", "reconnects", "events_received"];
const body = document.getElementById("status-body");
let links = [];

async function refresh() {
  if (!pageData.profile) return;
  try {
    links = (await getJSON(`/api/links?profile=${pageData.profile}`)).results;
    render();
  } catch {
    // The header reports the server unreachable; the table keeps what it knew.
  }
}

function render() {
  body.replaceChildren(...links.map(row));
}

function row(link) {
  const tr = document.createElement("tr");
  tr.dataset.kind = link.kind;
  tr.dataset.link = link.name;
  if (link.kind === "COMaster") tr.dataset.comaster = link.name;
  const state = !link.enabled ? "disabled" : link.online ? "online" : "offline";
  tr.className = `is-${state}`;
  const name = cell(tr, link.name, "name");
  const where = document.createElement("small");
  where.className = "where";
  where.textContent = [link.description, link.where].filter(Boolean).join(" · ");
  name.append(where);
  cell(tr, link.kind, "kind");
  const badge = document.createElement("span");
  badge.className = `state-badge state-${state}`;
  badge.textContent = state;
  tr.insertCell().append(badge);
  withAge(cell(tr, formatDateTime(link.state_since, { milliseconds: false })), link.state_since);
  withAge(cell(tr, formatDateTime(link.last_poll_at)), link.last_poll_at);
  cell(tr, link.latency_ms == null ? "—" : `${link.latency_ms.toFixed(1)} ms`, "num");
  for (const counter of COUNTERS) cell(tr, link[counter].toLocaleString("en-US"), "num");
  cell(tr, link.last_error || "", "error");
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
