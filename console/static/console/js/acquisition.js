// Every page: a banner "Acquisition stopped since hh:mm" when the poller's heartbeat is
// older than the site allows (GET /api/acquisition, every few seconds). The screen page
// listens for ACQUISITION_CHANGED and shows its whole drawing as not current, without
// waiting for each device's own timeout.
import { getJSON } from "./api.js";
import { repeat } from "./periodic.js";
import { formatTime, parseTime } from "./time-format.js";

export const ACQUISITION_CHANGED = "smve:acquisition-changed";
const INTERVAL_MS = 3000;

const banner = document.getElementById("acquisition-banner");
let running = null;

function show(state) {
  const since = parseTime(state.lastBeat);
  banner.textContent = state.running
    ? ""
    : since
      ? `Acquisition stopped since ${formatTime(since, { milliseconds: false })}: ` +
        "no value on this page is current."
      : "Acquisition is not running: no value on this page is current.";
  banner.hidden = state.running;
  if (state.running !== running) {
    running = state.running;
    document.dispatchEvent(new CustomEvent(ACQUISITION_CHANGED, { detail: { running } }));
  }
}

async function read() {
  try {
    show(await getJSON("/api/acquisition"));
  } catch {
    // The header's connection light tells when the server does not answer.
  }
}

if (banner) repeat(read, INTERVAL_MS);
