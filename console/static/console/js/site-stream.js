// The site-wide live channel (/api/stream?topic=site): one message per committed revision.
// It says *that* something changed; each page part then reads the one API it shows, once.
// One EventSource per page, shared by every module that imports this one; the browser
// reconnects by itself (sending Last-Event-ID), so a revision missed while away arrives.
import { reportConnection } from "./connection.js";

const SOURCE = "site-stream";
const listeners = new Set();
let latest = null;

const source = new EventSource("/api/stream?topic=site");
source.addEventListener("open", () => reportConnection(SOURCE, "live"));
source.addEventListener("error", () =>
  reportConnection(SOURCE, source.readyState === EventSource.CLOSED ? "down" : "connecting"),
);
source.addEventListener("message", (message) => {
  latest = JSON.parse(message.data).revision;
  listeners.forEach((listener) => listener(latest));
});

// Call listener(revision) on each new revision, and once now (revision null when none yet).
export function onRevision(listener) {
  listeners.add(listener);
  listener(latest);
}
