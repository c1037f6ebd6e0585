// Named trend views: the user's own and those others share, opened from a list; the pens
// and range shown can be saved under a name (shared or not), and one's own views deleted.
import { deleteJSON, getJSON, postJSON } from "./api.js";

export class TrendViews {
  // current() gives {tags, range} as shown; onOpen(view) shows a saved view.
  constructor({ select, name, shared, save, remove, message }, { current, onOpen }) {
    Object.assign(this, { select, name, shared, saveButton: save, removeButton: remove, message });
    this.current = current;
    this.onOpen = onOpen;
    this.views = [];
    select.addEventListener("change", () => {
      const view = this.views.find((v) => String(v.id) === select.value);
      this.removeButton.disabled = !view?.mine;
      if (view) {
        this.name.value = view.mine ? view.name : "";
        this.shared.checked = view.shared;
        this.onOpen(view);
      }
    });
    save.addEventListener("click", () => this.save());
    remove.addEventListener("click", () => this.remove());
  }

  async load(selectedId = null) {
    const { results } = await getJSON("/trends/views");
    this.views = results;
    const empty = new Option("Saved views…", "");
    const options = results.map((view) => {
      const label = view.mine ? view.name : `${view.name} (${view.owner})`;
      return new Option(view.shared ? `${label} · shared` : label, String(view.id));
    });
    this.select.replaceChildren(empty, ...options);
    this.select.value = selectedId == null ? "" : String(selectedId);
    this.removeButton.disabled = !this.views.find((v) => v.id === selectedId)?.mine;
  }

  async save() {
    const { tags, range } = this.current();
    try {
      const saved = await postJSON("/trends/views", {
        name: this.name.value,
        tags,
        range,
        shared: this.shared.checked,
      });
      await this.load(saved.id);
      this.say(`Saved “${saved.name}”.`);
    } catch (error) {
      this.say(error.message);
    }
  }

  async remove() {
    const view = this.views.find((v) => String(v.id) === this.select.value);
    if (!view?.mine) return;
    try {
      await deleteJSON(`/trends/views/${view.id}`);
      await this.load();
      this.say(`Deleted “${view.name}”.`);
    } catch (error) {
      this.say(error.message);
    }
  }

  say(text) {
    this.message.textContent = text;
  }
}
