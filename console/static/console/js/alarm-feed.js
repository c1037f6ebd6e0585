// The current alarms (GET /api/alarms/), shared by the banner, the annunciator, the screen
// marks and the alarm summary page: read whole once, then kept by the changes each revision
// of the site stream carries; read whole again when a message carries none (a reconnect,
// a flood too large to carry, a user the stream sends no alarms) or a read failed.
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

let reading = false;

const refresh = onDemand(async () => {
  reading = true;
  try {
    current = { alarms: await readAll(), error: null, read: true };
  } catch (error) {
    current = { ...current, error, read: true };
  } finally {
    reading = false;
  }
  listeners.forEach((listener) => listener(current));
});

// Apply a revision's changed alarms to the list: each replaces the one it names unless
// that one is newer (a whole read may have overtaken the message); "normal" drops it.
function applyChanges(changes) {
  const byId = new Map(current.alarms.map((alarm) => [alarm.id, alarm]));
  for (const alarm of changes) {
    const held = byId.get(alarm.id);
    if (held && held.revision > alarm.revision) continue;
    if (alarm.state === "normal") byId.delete(alarm.id);
    else byId.set(alarm.id, alarm);
  }
  current = { alarms: [...byId.values()], error: null, read: true };
  listeners.forEach((listener) => listener(current));
}

function follow(_revision, changes) {
  // Changes apply only on top of a whole read that succeeded and is not being redone.
  if (changes && current.read && !current.error && !reading) applyChanges(changes);
  else refresh();
}

// Call listener({alarms, error, read}) after each read; reads start with the first listener.
export function onAlarms(listener) {
  const first = listeners.size === 0;
  listeners.add(listener);
  if (first) onRevision(follow);
  else if (current.read) listener(current);
}

// Read now (after an operator's action, not waiting for the revision it causes).
export function refreshAlarms() {
  return refresh();
}
