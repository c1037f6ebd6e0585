// The event list's filter form as API query parameters, kept in the page's URL so that a
// reload or a shared link shows the same list.
import { siteWallTimeToDate } from "./time-format.js";

const FIELDS = ["comaster", "ied", "from", "to", "acknowledged"];

export class EventFilters {
  constructor(form, onChange) {
    this.form = form;
    const query = new URLSearchParams(location.search);
    for (const name of FIELDS) {
      if (query.has(name)) form.elements[name].value = query.get(name);
    }
    this.limitIeds();
    form.addEventListener("change", (event) => {
      if (event.target.name === "comaster") this.limitIeds();
      this.remember();
      onChange();
    });
    form.addEventListener("reset", () =>
      setTimeout(() => {
        this.limitIeds();
        this.remember();
        onChange();
      })
    );
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  // Only the IEDs of the chosen COMaster are offered.
  limitIeds() {
    const comaster = this.form.elements.comaster.value;
    const ied = this.form.elements.ied;
    for (const option of ied.options) {
      option.hidden = Boolean(comaster && option.dataset.comaster && option.dataset.comaster !== comaster);
    }
    if (ied.selectedOptions[0]?.hidden) ied.value = "";
  }

  remember() {
    const query = new URLSearchParams();
    for (const name of FIELDS) {
      const value = this.form.elements[name].value;
      if (value) query.set(name, value);
    }
    const search = query.toString();
    history.replaceState(null, "", search ? `?${search}` : location.pathname);
  }

  // Parameters of GET /api/events/ for the form as it is.
  apiParameters() {
    const values = Object.fromEntries(FIELDS.map((name) => [name, this.form.elements[name].value]));
    const query = new URLSearchParams();
    if (values.comaster) query.set("comaster", values.comaster);
    if (values.ied) {
      const [comaster, address] = values.ied.split(":");
      query.set("comaster", comaster);
      query.set("ied_address", address);
    }
    const from = siteWallTimeToDate(values.from);
    const to = siteWallTimeToDate(values.to);
    if (from) query.set("time_after", from.toISOString());
    if (to) query.set("time_before", to.toISOString());
    if (values.acknowledged) query.set("acknowledged", values.acknowledged);
    return query;
  }
}
