// The site-wide live channel (/api/stream?topic=site): one message per committed revision.
// It says *that* something changed; each page part then reads the one API it shows, once.
// The alarms come in the message itself (the ones changed since the previous message) for
// users who may view them, so the banner needs no read of its own.
// One EventSource per page, shared by every module that imports this one; the browser
// reconnects by itself (sending Last-Event-ID), so a revision missed while away arrives.
import { reportConnection } from "./connection.js";

const SOURCE = "site-stream";
const listeners = new Set();
let latest = null;
// Whether the next message follows one this page received on the same connection: only
// then may its alarm changes be applied to what the page holds.
let continued = false;

const source = new EventSource("/api/stream?topic=site");
source.addEventListener("open", () => {
  continued = false;
  reportConnection(SOURCE, "live");
});
source.addEventListener("error", () =>
  reportConnection(SOURCE, source.readyState === EventSource.CLOSED ? "down" : "connecting"),
);
source.addEventListener("message", (message) => {
  const data = JSON.parse(message.data);
  const alarms = continued && Array.isArray(data.alarms) ? data.alarms : null;
  latest = data.revision;
  continued = true;
  listeners.forEach((listener) => listener(latest, alarms));
});

// Call listener(revision, alarms) on each new revision, and once now (revision null when
// none yet). alarms: the alarms changed since the previous revision (/api/alarms/ items, a
// "normal" one to drop), or null when they are unknown and the list must be read whole.
export function onRevision(listener) {
  listeners.add(listener);
  listener(latest, null);
}
