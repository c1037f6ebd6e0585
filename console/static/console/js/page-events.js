// Signals between the independent scripts of one page.
export const EVENTS_CHANGED = "smve:events-changed";

// Events were acknowledged here: the header's count should not wait for its next read.
export function announceEventsChanged() {
  document.dispatchEvent(new CustomEvent(EVENTS_CHANGED));
}
