// The alarm summary: current alarms sorted by priority then time, filtered by area and
// priority (kept in the page's address); operators acknowledge one or all shown, and shelve
// one with a duration and a reason. Live through the alarm feed (the site stream).
import { ApiError, postJSON } from "./api.js";
import { byPriorityThenTime, onAlarms, refreshAlarms, SUMMARY_STATES, UNACKNOWLEDGED } from "./alarm-feed.js";
import { pageData } from "./page-data.js";
import { formatDateTime } from "./time-format.js";

const STATE_TEXTS = {
  unack: "Active, unacknowledged",
  ack: "Active, acknowledged",
  rtn_unack: "Cleared, unacknowledged",
  latched: "Latched",
};

const form = document.getElementById("alarm-filters");
const body = document.getElementById("alarms-body");
const empty = document.getElementById("alarms-empty");
const foot = document.getElementById("alarms-foot");
const message = document.getElementById("action-message");
const acknowledgeVisible = document.getElementById("acknowledge-visible");
const shelveForm = document.getElementById("shelve-form");
const canAct = Boolean(pageData.canAcknowledgeAlarms);
let latest = { alarms: [], error: null };
let shown = [];
let shelving = null;

function filtersFromAddress() {
  const query = new URLSearchParams(location.search);
  for (const name of ["area", "priority"]) {
    const value = query.get(name) ?? "";
    const select = form.elements[name];
    if (value && ![...select.options].some((option) => option.value === value)) {
      select.add(new Option(value, value));
    }
    select.value = value;
  }
}

function rememberFilters() {
  const query = new URLSearchParams();
  for (const name of ["area", "priority"]) {
    if (form.elements[name].value) query.set(name, form.elements[name].value);
  }
  const search = query.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function offerAreas(alarms) {
  const select = form.elements.area;
  const known = new Set([...select.options].map((option) => option.value));
  for (const area of [...new Set(alarms.map((alarm) => alarm.area).filter(Boolean))].sort()) {
    if (!known.has(area)) select.add(new Option(area, area));
  }
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// One listener on the table for every row's buttons (a flood lists thousands of rows:
// no closure and no listener per button).
function button(text, action, quiet = false) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  element.dataset.action = action;
  if (quiet) element.className = "button-quiet";
  return element;
}

function onRowButton(event) {
  const target = event.target.closest("button[data-action]");
  const row = target?.closest("tr");
  if (!target || !row) return;
  const alarm = shown.find((item) => String(item.id) === row.dataset.id);
  if (!alarm) return;
  if (target.dataset.action === "acknowledge") acknowledge([alarm]);
  else if (target.dataset.action === "shelve") openShelve(alarm);
}

// At most one render per frame: a flood's updates arrive faster than they can be drawn.
let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

function screenLink(alarm) {
  const query = new URLSearchParams({ tag: alarm.tag });
  if (alarm.point) query.set("point", alarm.point);
  if (alarm.area) query.set("area", alarm.area);
  const link = document.createElement("a");
  link.href = `/alarms/screen?${query}`;
  link.textContent = "Screen";
  return link;
}

// The table is windowed: a flood lists thousands of alarms, and a table of thousands of
// rows takes seconds to lay out and makes every scroll frame slow. Only the rows in view
// plus a margin are in the DOM; two spacer rows (outside #alarms-body) keep the scroller's
// height that of the whole list. Rows have one fixed height (cells do not wrap).
const scroller = document.getElementById("alarms-scroller");
const before = document.getElementById("alarms-before");
const after = document.getElementById("alarms-after");
const table = document.getElementById("alarms-table");
const MARGIN_ROWS = 20;
let rowHeight = 0;
let windowStart = -1;
let windowEnd = -1;
let drawn = new Map(); // alarm (object of the current list) -> its drawn row

function alarmRow(alarm) {
  const row = document.createElement("tr");
  row.dataset.id = alarm.id;
  row.dataset.priority = alarm.priority;
  row.dataset.state = alarm.state;
  if (UNACKNOWLEDGED.has(alarm.state)) row.classList.add("alarm-unacknowledged");
  cell(row, alarm.priority, "alarm-priority-cell");
  cell(row, formatDateTime(alarm.state_since));
  cell(row, alarm.tag, "mono");
  cell(row, alarm.message);
  cell(row, STATE_TEXTS[alarm.state] ?? alarm.state);
  cell(row, alarm.area ?? "");
  row.insertCell().append(screenLink(alarm));
  if (canAct) {
    const actions = row.insertCell();
    if (UNACKNOWLEDGED.has(alarm.state)) {
      actions.append(button("Acknowledge", "acknowledge"));
    }
    actions.append(button("Shelve", "shelve", true));
  }
  return row;
}

// The rows [first, last) of `shown` that the scroller's view needs, with the margin.
function visibleRange() {
  const height = rowHeight || 36;
  const top = Math.max(0, scroller.scrollTop - (table.tHead?.offsetHeight ?? 0));
  const first = Math.max(0, Math.floor(top / height) - MARGIN_ROWS);
  const count = Math.ceil((scroller.clientHeight || 600) / height) + 2 * MARGIN_ROWS;
  return [first, Math.min(shown.length, first + count)];
}

// Draw the window of rows (again when `force`, after the list changed). The focused
// button, if its row is still drawn, keeps the focus.
function paintWindow(force = false) {
  const [first, last] = visibleRange();
  if (!force && first === windowStart && last === windowEnd) return;
  const focused = body.contains(document.activeElement) ? document.activeElement : null;
  const focusId = focused?.closest("tr")?.dataset.id;
  const focusAction = focused?.dataset.action;
  windowStart = first;
  windowEnd = last;
  // Rows still in the window are kept (a scroll step draws only the rows it uncovers).
  if (force) {
    body.replaceChildren();
    drawn = new Map();
  }
  const next = new Map();
  for (const alarm of shown.slice(first, last)) next.set(alarm, drawn.get(alarm) ?? alarmRow(alarm));
  for (const [alarm, row] of drawn) if (!next.has(alarm)) row.remove();
  drawn = next;
  let place = null;
  for (const row of next.values()) {
    const expected = place ? place.nextSibling : body.firstChild;
    if (row !== expected) body.insertBefore(row, expected);
    place = row;
  }
  // The drawn rows' mean height (one layout read): the spacers then match the rows.
  if (body.rows.length) rowHeight = body.getBoundingClientRect().height / body.rows.length;
  const height = rowHeight || 36;
  before.hidden = first === 0;
  after.hidden = last >= shown.length;
  before.rows[0].cells[0].style.height = `${first * height}px`;
  after.rows[0].cells[0].style.height = `${(shown.length - last) * height}px`;
  if (focusId) {
    const row = [...body.rows].find((item) => item.dataset.id === focusId);
    const again = row?.querySelector(`button[data-action="${focusAction}"]`) ?? row?.querySelector("a");
    again?.focus({ preventScroll: true });
  }
}

let windowPending = false;
function onScroll() {
  if (windowPending) return;
  windowPending = true;
  requestAnimationFrame(() => {
    windowPending = false;
    paintWindow();
  });
}

function render() {
  const { alarms, error } = latest;
  offerAreas(alarms);
  const area = form.elements.area.value;
  const priority = form.elements.priority.value;
  shown = alarms
    .filter((alarm) => SUMMARY_STATES.has(alarm.state))
    .filter((alarm) => (!area || alarm.area === area) && (!priority || alarm.priority === priority))
    .sort(byPriorityThenTime);
  paintWindow(true);
  table.dataset.count = String(shown.length);
  empty.hidden = shown.length > 0;
  const total = `${shown.length} ${shown.length === 1 ? "alarm" : "alarms"}.`;
  foot.textContent = error ? `The list is not current: ${error.message}` : total;
  if (acknowledgeVisible) {
    acknowledgeVisible.disabled = !shown.some((alarm) => UNACKNOWLEDGED.has(alarm.state));
  }
}

async function acknowledge(alarms) {
  const targets = alarms.filter((alarm) => UNACKNOWLEDGED.has(alarm.state));
  if (!targets.length) return;
  message.textContent = "Acknowledging…";
  const results = await Promise.allSettled(
    targets.map((alarm) => postJSON(`/api/alarms/${alarm.id}/acknowledge/`, {})),
  );
  const refused = results.filter((result) => result.status === "rejected");
  message.textContent = refused.length
    ? `${targets.length - refused.length} acknowledged; ${refused.length} refused: ${refused[0].reason.message}`
    : `${targets.length} acknowledged.`;
  await refreshAlarms();
}

function openShelve(alarm) {
  shelving = alarm;
  shelveForm.hidden = false;
  document.getElementById("shelve-title").textContent = `Shelve ${alarm.tag}`;
  shelveForm.elements.reason.focus();
}

function closeShelve() {
  shelving = null;
  shelveForm.hidden = true;
  shelveForm.reset();
}

async function shelve(event) {
  event.preventDefault();
  if (!shelving) return;
  const minutes = Number(shelveForm.elements.minutes.value);
  const reason = shelveForm.elements.reason.value.trim();
  try {
    await postJSON(`/api/alarms/${shelving.id}/shelve/`, { minutes, reason });
    message.textContent = `${shelving.tag} shelved for ${minutes} min.`;
    closeShelve();
  } catch (error) {
    message.textContent = error instanceof ApiError ? error.message : String(error);
  }
  await refreshAlarms();
}

filtersFromAddress();
form.addEventListener("change", () => {
  rememberFilters();
  scheduleRender();
});
form.addEventListener("reset", () =>
  setTimeout(() => {
    rememberFilters();
    render();
  }),
);
if (canAct) {
  body.addEventListener("click", onRowButton);
  acknowledgeVisible.addEventListener("click", () => acknowledge(shown));
  shelveForm.addEventListener("submit", shelve);
  document.getElementById("shelve-cancel").addEventListener("click", closeShelve);
}
scroller.addEventListener("scroll", onScroll, { passive: true });
window.addEventListener("resize", onScroll);
onAlarms((state) => {
  latest = state;
  scheduleRender();
});
