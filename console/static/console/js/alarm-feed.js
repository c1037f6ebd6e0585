// The current alarms (GET /api/alarms/), read again on each revision of the site stream,
// shared by the banner, the annunciator, the screen marks and the alarm summary page.
import { getJSON } from "./api.js";
import { onDemand } from "./on-demand.js";
import { onRevision } from "./site-stream.js";

export const PRIORITIES = ["urgent", "high", "medium", "low"];
// States an operator has not acknowledged yet (active or returned to normal).
export const UNACKNOWLEDGED = new Set(["unack", "rtn_unack"]);
// States the summary lists: what is wrong now, and what cleared without acknowledgement.
export const SUMMARY_STATES = new Set(["unack", "ack", "rtn_unack", "latched"]);

const listeners = new Set();
let current = { alarms: [], error: null, read: false };

// The time an alarm entered its state, as a Date (null when the API gives none).
export function stateSince(alarm) {
  return alarm.state_since ? new Date(alarm.state_since) : null;
}

// Priority first (urgent on top), then newest first.
export function byPriorityThenTime(a, b) {
  const rank = PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority);
  return rank || (stateSince(b)?.getTime() ?? 0) - (stateSince(a)?.getTime() ?? 0);
}

// One request for a whole flood (the API gives up to 10,000 a page); more pages only beyond.
async function readAll() {
  const alarms = [];
  let url = "/api/alarms/?page_size=10000";
  while (url) {
    const page = await getJSON(url);
    if (Array.isArray(page)) return page;
    alarms.push(...page.results);
    url = page.next;
  }
  return alarms;
}

const refresh = onDemand(async () => {
  try {
    current = { alarms: await readAll(), error: null, read: true };
  } catch (error) {
    current = { ...current, error, read: true };
  }
  listeners.forEach((listener) => listener(current));
});

// Call listener({alarms, error, read}) after each read; reads start with the first listener.
export function onAlarms(listener) {
  const first = listeners.size === 0;
  listeners.add(listener);
  if (first) onRevision(() => refresh());
  else if (current.read) listener(current);
}

// Read now (after an operator's action, not waiting for the revision it causes).
export function refreshAlarms() {
  return refresh();
}
