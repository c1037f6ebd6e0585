// The state of the page's links to the server, for the header's indicator.
// Each source (the periodic API reads, a screen's live stream) reports "live",
// "connecting" or "down"; the page is as good as its worst source.
const RANK = { live: 0, connecting: 1, down: 2 };
const sources = new Map();
const listeners = new Set();
let overall = { state: "connecting", since: new Date() };

function recompute() {
  const worst = [...sources.values()].reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "live");
  if (worst !== overall.state) {
    overall = { state: worst, since: new Date() };
    listeners.forEach((listener) => listener(overall));
  }
}

export function reportConnection(source, state) {
  if (sources.get(source) === state) return;
  sources.set(source, state);
  recompute();
}

export function forgetConnection(source) {
  if (sources.delete(source)) recompute();
}

export function onConnectionChange(listener) {
  listeners.add(listener);
  listener(overall);
}
