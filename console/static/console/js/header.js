// The header of every page: the site clock, the unacknowledged-event count (read again on
// each revision of the site stream, never on a timer), the alarm banner and annunciator,
// and the connection indicator.
import "./alarm-audio.js";
import "./alarm-banner.js";
import { getJSON } from "./api.js";
import { onConnectionChange, reportConnection } from "./connection.js";
import { onDemand } from "./on-demand.js";
import { pageData } from "./page-data.js";
import { EVENTS_CHANGED } from "./page-events.js";
import { onRevision } from "./site-stream.js";
import { formatTime } from "./time-format.js";

// Events come with the plant's batches, many a second when it is busy: one count a second.
const EVENT_READ_SPACING_MS = 1000;

const clock = document.getElementById("clock");
const badge = document.getElementById("unacknowledged-count");
const indicator = document.getElementById("connection");

function tick() {
  clock.textContent = formatTime(new Date(), { milliseconds: false });
}

async function readUnacknowledged() {
  const profile = pageData.profile ? `&profile=${pageData.profile}` : "";
  try {
    const page = await getJSON(`/api/events/?acknowledged=false&page_size=1${profile}`);
    badge.textContent = page.count > 9999 ? "9999+" : String(page.count);
    badge.hidden = page.count === 0;
    reportConnection("server", "live");
  } catch (error) {
    reportConnection("server", error.status === 0 || error.status >= 500 ? "down" : "live");
  }
}

const TEXTS = { live: "Live", connecting: "Connecting…", down: "No connection" };

function showConnection({ state, since }) {
  indicator.dataset.state = state;
  const text = indicator.querySelector(".connection-text");
  const when = formatTime(since, { milliseconds: false });
  text.textContent = state === "live" ? TEXTS.live : `${TEXTS[state]} since ${when}`;
  indicator.title =
    state === "live"
      ? "The server answers and live data arrives."
      : "Data on this page may be out of date until the connection is back.";
}

tick();
setInterval(tick, 1000);
const counter = onDemand(readUnacknowledged, { spacingMs: EVENT_READ_SPACING_MS });
onRevision(() => counter());
document.addEventListener(EVENTS_CHANGED, () => counter());
onConnectionChange(showConnection);
