// The event list: live (read again on each revision of the site stream, never on a timer),
// filtered, and acknowledged by operators one or many at a time.
import { postJSON, getJSON } from "./api.js";
import { EventFilters } from "./event-filters.js";
import { EventsTable } from "./events-table.js";
import { announceEventsChanged } from "./page-events.js";
import { pageData } from "./page-data.js";
import { onDemand } from "./on-demand.js";
import { onRevision } from "./site-stream.js";

const PAGE_SIZE = 200;
// Events come with the plant's batches, many a second when it is busy: one read a second.
const READ_SPACING_MS = 1000;

const selectAll = document.getElementById("select-all");
const acknowledgeSelected = document.getElementById("acknowledge-selected");
const acknowledgeShown = document.getElementById("acknowledge-shown");
const message = document.getElementById("action-message");
const empty = document.getElementById("events-empty");
const foot = document.getElementById("events-foot");

const table = new EventsTable(document.getElementById("events-body"), {
  names: pageData,
  selectable: pageData.canAcknowledge,
  onSelection: () => {
    acknowledgeSelected.disabled = table.selected.size === 0;
    acknowledgeSelected.textContent = table.selected.size
      ? `Acknowledge selected (${table.selected.size})`
      : "Acknowledge selected";
    if (selectAll) {
      const all = table.unacknowledgedIds().length;
      selectAll.checked = table.selected.size > 0 && table.selected.size === all;
    }
  },
});
const filters = new EventFilters(document.getElementById("event-filters"), () => {
  table.known = null; // another list: nothing in it is "new"
  refresh();
});

async function readEvents() {
  const query = filters.apiParameters();
  query.set("page_size", PAGE_SIZE);
  if (pageData.profile) query.set("profile", pageData.profile);
  try {
    const page = await getJSON(`/api/events/?${query}`);
    table.render(page.results);
    empty.hidden = page.results.length > 0;
    foot.textContent =
      page.count > page.results.length
        ? `The newest ${page.results.length} of ${page.count} events.`
        : `${page.count} ${page.count === 1 ? "event" : "events"}.`;
  } catch (error) {
    foot.textContent = `The list is not current: ${error.message}`;
  }
}

async function acknowledge(ids) {
  if (!ids.length) return;
  message.textContent = "Acknowledging…";
  try {
    const result = await postJSON("/api/events/acknowledge", { ids });
    message.textContent = `${result.acknowledged} acknowledged.`;
  } catch (error) {
    message.textContent = error.message;
  }
  table.selectAll(false);
  announceEventsChanged();
  await refresh();
}

const refresh = onDemand(readEvents, { spacingMs: READ_SPACING_MS });
onRevision(() => refresh());
selectAll?.addEventListener("change", () => table.selectAll(selectAll.checked));
acknowledgeSelected.addEventListener("click", () => acknowledge([...table.selected]));
acknowledgeShown.addEventListener("click", () => acknowledge(table.unacknowledgedIds()));
