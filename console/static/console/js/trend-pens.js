// Picking pens: a search over the points (tag, description, unit) and the list of chosen
// pens, each with its colour and a button to remove it.
import { getJSON } from "./api.js";
import { penColour } from "./trend-chart.js";

const SEARCH_DELAY_MS = 200;

export class PenPicker {
  // onChange(tags) is called whenever a pen is added or removed.
  constructor({ input, results, list }, { maxPens, onChange }) {
    this.input = input;
    this.results = results;
    this.list = list;
    this.maxPens = maxPens;
    this.onChange = onChange;
    this.pens = []; // {tag, description, unit}
    this.timer = null;
    this.asked = 0;
    input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(), SEARCH_DELAY_MS);
    });
    input.addEventListener("focus", () => this.search());
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    document.addEventListener("pointerdown", (event) => {
      if (!input.parentElement.contains(event.target)) this.close();
    });
    if (input.value.trim()) this.search(); // typed before the page's scripts had loaded
  }

  get tags() {
    return this.pens.map((pen) => pen.tag);
  }

  // Sets the pens by tag (from the address or a saved view), with their descriptions.
  async setTags(tags) {
    if (!tags.length) {
      this.pens = [];
      this.render();
      return;
    }
    const query = new URLSearchParams(tags.map((tag) => ["tag", tag]));
    const { results } = await getJSON(`/trends/points?${query}`);
    const known = new Map(results.map((point) => [point.tag, point]));
    this.pens = tags.map((tag) => known.get(tag) ?? { tag, description: "unknown point", unit: "" });
    this.render();
  }

  async search() {
    const asked = ++this.asked;
    const text = this.input.value.trim();
    const { results } = await getJSON(`/trends/points?${new URLSearchParams({ q: text })}`);
    if (asked !== this.asked) return;
    // Typed meanwhile: the results must match what the field says now.
    if (text !== this.input.value.trim()) return this.search();
    const rows = results.map((point) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "trend-result";
      button.dataset.tag = point.tag;
      button.disabled = this.tags.includes(point.tag) || this.pens.length >= this.maxPens;
      const tag = document.createElement("b");
      tag.textContent = point.tag;
      button.append(tag, ` ${point.description}${point.unit ? ` (${point.unit})` : ""}`);
      button.addEventListener("click", () => this.add(point));
      item.append(button);
      return item;
    });
    if (!rows.length) {
      const none = document.createElement("li");
      none.className = "trend-muted";
      none.textContent = "No point matches.";
      rows.push(none);
    }
    this.results.replaceChildren(...rows);
    this.results.hidden = false;
  }

  // Hides the results, and those of a search still on its way.
  close() {
    clearTimeout(this.timer);
    this.asked++;
    this.results.hidden = true;
  }

  add(point) {
    if (this.tags.includes(point.tag) || this.pens.length >= this.maxPens) return;
    this.pens.push(point);
    this.close();
    this.input.value = "";
    this.render();
    this.onChange(this.tags);
  }

  remove(tag) {
    this.pens = this.pens.filter((pen) => pen.tag !== tag);
    this.render();
    this.onChange(this.tags);
  }

  render() {
    this.list.replaceChildren(
      ...this.pens.map((pen, index) => {
        const item = document.createElement("li");
        item.className = "trend-pen";
        item.dataset.tag = pen.tag;
        const swatch = document.createElement("span");
        swatch.className = "trend-swatch";
        swatch.style.background = penColour(index);
        const text = document.createElement("span");
        text.className = "trend-pen-text";
        const tag = document.createElement("b");
        tag.textContent = pen.tag;
        text.append(tag, ` ${pen.description}${pen.unit ? ` (${pen.unit})` : ""}`);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "trend-pen-remove";
        remove.title = `Remove ${pen.tag}`;
        remove.textContent = "×";
        remove.addEventListener("click", () => this.remove(pen.tag));
        item.append(swatch, text, remove);
        return item;
      }),
    );
  }
}
