// The alarm banner in every page's header: unacknowledged alarms by priority and the
// newest one, linking to the summary. Hidden until the alarms API answers (a site without
// the alarms app shows no banner).
import { onAlarms, PRIORITIES, stateSince, UNACKNOWLEDGED } from "./alarm-feed.js";
import { formatTime } from "./time-format.js";

const banner = document.getElementById("alarm-banner");

function render({ alarms, error }) {
  if (error && !alarms.length) {
    banner.hidden = error.status === 404;
    banner.title = error.status === 404 ? "" : `Alarms not current: ${error.message}`;
    return;
  }
  const unacknowledged = alarms.filter((alarm) => UNACKNOWLEDGED.has(alarm.state));
  for (const priority of PRIORITIES) {
    const count = unacknowledged.filter((alarm) => alarm.priority === priority).length;
    const cell = banner.querySelector(`[data-priority="${priority}"]`);
    cell.querySelector(".alarm-count").textContent = String(count);
    cell.dataset.zero = String(count === 0);
  }
  const newest = unacknowledged.reduce(
    (a, b) => (a && (stateSince(a)?.getTime() ?? 0) >= (stateSince(b)?.getTime() ?? 0) ? a : b),
    null,
  );
  const text = banner.querySelector(".alarm-newest");
  text.textContent = newest
    ? `${formatTime(stateSince(newest) ?? new Date(), { milliseconds: false })} ${newest.tag}: ${newest.message}`
    : "No unacknowledged alarm";
  banner.dataset.priority = newest ? newest.priority : "";
  banner.title = error ? `Alarms not current: ${error.message}` : "Open the alarm summary";
  banner.hidden = false;
}

if (banner) onAlarms(render);
