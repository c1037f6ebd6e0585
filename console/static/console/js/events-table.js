// The rows of the event list: one per event, newest first, with the field time to the
// millisecond; rows that arrived since the last look are highlighted, selections kept.
import { formatDateTime } from "./time-format.js";

export class EventsTable {
  constructor(body, { names, selectable, onSelection }) {
    this.body = body;
    this.names = names;
    this.selectable = selectable;
    this.onSelection = onSelection;
    this.selected = new Set();
    this.shown = [];
    this.known = null; // ids seen so far; null before the first rendering
    this.signature = "";
    body.addEventListener("change", (event) => {
      const box = event.target.closest("input[data-event]");
      if (!box) return;
      const id = Number(box.dataset.event);
      if (box.checked) this.selected.add(id);
      else this.selected.delete(id);
      this.onSelection();
    });
  }

  render(events) {
    // Unchanged rows are left alone: a row being clicked must not be replaced under the mouse.
    const signature = events.map((e) => `${e.id}:${e.acknowledged_at ?? ""}`).join(",");
    if (this.known && signature === this.signature) return;
    this.signature = signature;
    const fresh = this.known ? events.filter((e) => !this.known.has(e.id)).map((e) => e.id) : [];
    this.known = new Set([...(this.known ?? []), ...events.map((e) => e.id)]);
    this.shown = events;
    const visible = new Set(events.map((e) => e.id));
    for (const id of this.selected) if (!visible.has(id)) this.selected.delete(id);
    this.body.replaceChildren(...events.map((event) => this.row(event, fresh.includes(event.id))));
    this.onSelection();
  }

  selectAll(checked) {
    this.selected = new Set(checked ? this.unacknowledgedIds() : []);
    for (const box of this.body.querySelectorAll("input[data-event]")) {
      box.checked = this.selected.has(Number(box.dataset.event));
    }
    this.onSelection();
  }

  unacknowledgedIds() {
    return this.shown.filter((e) => !e.acknowledged_at).map((e) => e.id);
  }

  row(event, fresh) {
    const row = document.createElement("tr");
    row.dataset.event = event.id;
    row.classList.toggle("is-unacknowledged", !event.acknowledged_at);
    row.classList.toggle("is-new", fresh);
    const di = this.names.dis[String(event.di)];
    if (this.selectable) {
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.event = event.id;
      box.checked = this.selected.has(event.id);
      box.disabled = Boolean(event.acknowledged_at);
      box.setAttribute("aria-label", `Select event ${event.id}`);
      row.insertCell().append(box);
    }
    cell(row, formatDateTime(event.time), "time");
    cell(row, this.names.comasters[String(event.comaster)] ?? "—");
    cell(row, this.iedName(event));
    cell(row, event.tag ?? `${event.port}.${event.bit}`, "tag");
    cell(row, di?.description ?? "Not configured");
    const stateCell = cell(row, di?.texts[event.value] || String(event.value), "state");
    stateCell.dataset.value = event.value;
    const acknowledged = event.acknowledged_at
      ? `${event.acknowledged_by ?? "?"} · ${formatDateTime(event.acknowledged_at, { milliseconds: false })}`
      : "Unacknowledged";
    cell(row, acknowledged, "ack");
    return row;
  }

  iedName(event) {
    const ied = this.names.ieds.find((i) => i.comaster === event.comaster && i.address === event.ied_address);
    return ied ? ied.name : `IED ${event.ied_address}`;
  }
}

function cell(row, text, className = "") {
  const node = row.insertCell();
  node.textContent = text;
  if (className) node.className = className;
  return node;
}
