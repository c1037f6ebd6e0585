// The control panel of the screen page: a click (or Enter) on a controllable element opens
// it beside the drawing. It shows the point's state and quality, the commands allowed now
// (an interlocked or LOCAL one disabled, with its reason), Select -> Operate or Cancel with
// the selection's countdown, a setpoint field with its unit and limits (confirmed before it
// is sent), and each step of the command as it happens. Elements that someone else holds
// are marked. Loaded only for users who may give commands (a viewer gets no panel); the
// API checks every rule again.
//
// Nothing is polled: every step of a command takes a revision, and the site stream's
// revision makes the panel read its command's progress, the point and the holds once.
import { getJSON, postJSON } from "./api.js";
import { pageData } from "./page-data.js";
import { onRevision } from "./site-stream.js";

const ENDED = new Set(["success", "no_feedback", "failed", "refused", "cancelled", "expired"]);
const STEP_TEXT = {
  selected: "Selected",
  queued: "Operated: waiting for the poller",
  sending: "Sent to the field",
  echoed: "Echoed by the field: waiting for the feedback",
  success: "Feedback reached: success",
  no_feedback: "No feedback in time",
  failed: "Failed",
  refused: "Refused",
  cancelled: "Cancelled",
  expired: "Selection expired",
};
const FAILURES = new Set(["no_feedback", "failed", "refused", "expired"]);

const controllable = new Set(pageData.controllable ?? []);
const diagram = document.getElementById("diagram");
const panel = document.getElementById("control-panel");
const $ = (id) => document.getElementById(id);

// What the panel shows: the element's tag, its point, its commands, the user's own
// request (selected or in progress) and the steps seen of it.
const open = { tag: null, opener: null, point: null, commands: [], request: null, steps: [], confirm: null, shown: "" };
let holds = new Map(); // tag -> username of a request holding it
let countdown = null;

function setProblem(text) {
  $("control-problem").textContent = text;
  $("control-problem").hidden = !text;
}

// --- marks on the drawing ------------------------------------------------------------------

function nodesOf(tag) {
  return diagram.querySelectorAll(`svg.drawing [tag="${CSS.escape(tag)}"]`);
}

function markControllable() {
  for (const tag of controllable) {
    for (const node of nodesOf(tag)) {
      if (node.classList.contains("is-controllable")) continue;
      node.classList.add("is-controllable");
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      node.setAttribute("aria-haspopup", "dialog");
      node.setAttribute("aria-label", `Control ${tag}`);
    }
  }
  markHolds();
}

function markHolds() {
  for (const node of diagram.querySelectorAll(".is-held-elsewhere, .is-controlled")) {
    node.classList.remove("is-held-elsewhere", "is-controlled");
    node.removeAttribute("data-held-by");
  }
  for (const [tag, username] of holds) {
    for (const node of nodesOf(tag)) {
      const mine = username === pageData.username;
      node.classList.add(mine ? "is-controlled" : "is-held-elsewhere");
      if (!mine) node.setAttribute("data-held-by", username);
    }
  }
}

async function readHolds() {
  try {
    const page = await getJSON("/api/command-requests/?holding=true&page_size=1000");
    const rows = Array.isArray(page) ? page : page.results;
    holds = new Map(rows.map((request) => [request.tag, request.username]));
  } catch {
    return; // the header reports an unreachable server; the marks stay as they were
  }
  markHolds();
}

// --- opening and closing -------------------------------------------------------------------

async function show(tag, opener) {
  if (open.tag === tag) {
    // Already shown: keep the request being followed.
    (panel.querySelector("button:not(:disabled)") ?? $("control-close")).focus();
    return;
  }
  if (open.tag) await close({ keepFocus: true });
  Object.assign(open, { tag, opener, point: null, commands: [], request: null, steps: [], confirm: null, shown: "" });
  $("control-title").textContent = tag;
  $("control-description").textContent = "";
  $("control-state").textContent = "Reading…";
  $("control-commands").replaceChildren();
  $("control-steps").replaceChildren();
  setProblem("");
  panel.hidden = false;
  await refresh();
  (panel.querySelector(".control-command button:not(:disabled)") ?? $("control-close")).focus();
}

async function close({ keepFocus = false } = {}) {
  const request = open.request;
  if (request && request.state === "selected") await cancel(); // a selection is never left behind
  const opener = open.opener;
  Object.assign(open, { tag: null, opener: null, request: null, confirm: null });
  stopCountdown();
  panel.hidden = true;
  if (!keepFocus && opener?.isConnected) opener.focus();
}

// --- reading -----------------------------------------------------------------------------

async function refresh() {
  const tag = open.tag;
  if (!tag) return;
  const query = `tag=${encodeURIComponent(tag)}&profile=${pageData.profile}`;
  try {
    const [points, commands] = await Promise.all([
      getJSON(`/api/points/?${query}`),
      getJSON(`/api/commands/?${query}&page_size=100`),
    ]);
    if (tag !== open.tag) return;
    open.point = (Array.isArray(points) ? points : points.results)[0] ?? null;
    open.commands = Array.isArray(commands) ? commands : commands.results;
    if (open.request && !ENDED.has(open.request.state)) {
      follow(await getJSON(`/api/command-requests/${open.request.id}/`));
    }
  } catch (error) {
    setProblem(error.message);
    return;
  }
  if (tag === open.tag) render();
}

// Record what a request read (or answered) shows: each new step is a line of progress.
function follow(request) {
  open.request = request;
  const seen = new Set(open.steps.map((step) => step.state));
  const steps = [];
  if (request.selected_at) steps.push("selected");
  if (request.operated_at) steps.push("queued");
  if (request.sent_at) steps.push("sending");
  if (request.echoed_at) steps.push("echoed");
  if (ENDED.has(request.state)) steps.push(request.state);
  for (const state of steps) {
    if (seen.has(state)) continue;
    const detail = state === request.state && request.result && !["success", "cancelled"].includes(state) ? `: ${request.result}` : "";
    open.steps.push({ state, text: `${STEP_TEXT[state] ?? state}${detail}` });
  }
  if (ENDED.has(request.state)) holds.delete(open.tag);
}

// --- drawing the panel ----------------------------------------------------------------------

function render() {
  const point = open.point;
  $("control-description").textContent = point?.description ?? "";
  $("control-state").replaceChildren(...stateParts(point));
  const mine = open.request && !ENDED.has(open.request.state) ? open.request : null;
  const heldBy = open.commands.find((c) => c.selected_by)?.selected_by ?? holds.get(open.tag);
  const elsewhere = heldBy && heldBy !== pageData.username ? heldBy : null;
  // Rebuilt only when what it shows changes, so that a revision never takes the focus
  // or a half-typed setpoint from the operator.
  const shown = JSON.stringify([open.tag, open.commands, mine?.state, elsewhere, open.confirm]);
  if (shown !== open.shown) {
    open.shown = shown;
    $("control-commands").replaceChildren(
      ...open.commands.map((command) => commandPart(command, mine, elsewhere)),
    );
  }
  const selected = mine?.state === "selected" ? mine : null;
  $("control-selection").hidden = !selected;
  if (selected) {
    const command = open.commands.find((c) => c.id === selected.definition);
    $("control-operate").textContent = `Operate: ${command?.label ?? selected.command}`;
    startCountdown(selected);
  } else {
    stopCountdown();
  }
  $("control-steps").replaceChildren(
    ...open.steps.map((step) => {
      const item = document.createElement("li");
      item.textContent = step.text;
      if (step.state === "success") item.dataset.outcome = "success";
      if (FAILURES.has(step.state)) item.dataset.outcome = "failure";
      return item;
    }),
  );
}

function stateParts(point) {
  if (!point) return [text("span", "No point of this tag")];
  let value = "—";
  if (point.value !== null && point.value !== undefined) {
    value = point.kind === "di" ? (point.value ? point.text_on : point.text_off) || String(point.value) : `${point.value}${point.unit ? ` ${point.unit}` : ""}`;
  }
  const parts = [text("strong", value)];
  if (point.q !== 0) parts.push(text("span", `quality ${point.q}`, "control-quality"));
  if (!point.current) parts.push(text("span", "not current", "control-quality"));
  return parts;
}

function commandPart(command, mine, elsewhere) {
  const part = document.createElement("div");
  part.className = "control-command";
  const busy = Boolean(mine) || Boolean(elsewhere);
  if (command.value === null) {
    part.append(setpointPart(command, busy || Boolean(command.blocked)));
  } else {
    const button = text("button", command.needs_selection ? `Select: ${command.label}` : command.label);
    button.type = "button";
    button.disabled = busy || Boolean(command.blocked);
    button.addEventListener("click", () => (command.needs_selection ? select(command) : confirmDirect(command, command.value)));
    part.append(button);
  }
  if (command.blocked) part.append(text("p", command.blocked, "control-blocked"));
  if (elsewhere) part.append(text("p", `Selected by ${elsewhere}`, "control-held"));
  if (open.confirm?.command.id === command.id) part.append(confirmPart(open.confirm));
  return part;
}

function setpointPart(command, disabled) {
  const form = document.createElement("form");
  form.className = "control-setpoint";
  const id = `control-value-${command.id}`;
  const label = text("label", command.label);
  label.htmlFor = id;
  const input = document.createElement("input");
  Object.assign(input, { id, type: "number", step: "any", required: true, disabled });
  input.min = command.minimum;
  input.max = command.maximum;
  const button = text("button", "Set…");
  button.type = "submit";
  button.disabled = disabled;
  form.append(label, input, text("span", command.unit ?? ""), button);
  form.append(text("span", `from ${command.minimum} to ${command.maximum} ${command.unit ?? ""}`, "control-limits"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    confirmDirect(command, Number(input.value));
  });
  return form;
}

function confirmPart({ command, value }) {
  const box = document.createElement("div");
  box.className = "control-selection";
  const unit = command.value === null && command.unit ? ` ${command.unit}` : "";
  box.append(text("p", `Send ${command.label}${command.value === null ? ` ${value}${unit}` : ""}?`));
  const yes = text("button", "Confirm", "button-primary");
  yes.type = "button";
  yes.addEventListener("click", () => operate(command, value));
  const no = text("button", "Back");
  no.type = "button";
  no.addEventListener("click", () => {
    open.confirm = null;
    render();
  });
  box.append(yes, " ", no);
  queueMicrotask(() => yes.focus());
  return box;
}

function text(tag, content, className = "") {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
}

// --- the selection's countdown -------------------------------------------------------------

function startCountdown(request) {
  const tick = () => {
    const left = Math.max(0, Math.ceil((new Date(request.expires_at) - Date.now()) / 1000));
    $("control-countdown").textContent = left ? `Selected: operate within ${left} s` : "The selection has expired";
    if (!left) {
      stopCountdown();
      follow({ ...request, state: "expired", result: "selection expired" });
      render();
    }
  };
  if (countdown?.request !== request.id) {
    stopCountdown();
    countdown = { request: request.id, timer: setInterval(tick, 1000) };
  }
  tick();
}

function stopCountdown() {
  if (countdown) clearInterval(countdown.timer);
  countdown = null;
}

// --- acting ------------------------------------------------------------------------------

async function act(url, body) {
  setProblem("");
  try {
    follow(await postJSON(url, body));
    holds.set(open.tag, pageData.username);
  } catch (error) {
    setProblem(error.message);
  }
  render();
  markHolds();
}

async function select(command) {
  open.steps = [];
  await act(`/api/commands/${command.id}/select/`, {});
  if (open.request?.state === "selected") $("control-operate").focus();
}

function confirmDirect(command, value) {
  open.steps = [];
  open.confirm = { command, value };
  render();
}

async function operate(command, value) {
  open.confirm = null;
  await act(`/api/commands/${command.id}/operate/`, command.value === null ? { value } : {});
}

async function cancel() {
  const request = open.request;
  if (!request || request.state !== "selected") return;
  await act(`/api/commands/${request.definition}/cancel/`, {});
  holds.delete(open.tag);
  markHolds();
}

function start() {
  $("control-close").addEventListener("click", () => close());
  $("control-operate").addEventListener("click", () => {
    const request = open.request;
    const command = open.commands.find((c) => c.id === request?.definition);
    if (command) operate(command, request.value);
  });
  $("control-cancel").addEventListener("click", () => cancel());
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  // Capture phase: a click on a controllable element opens the panel and goes no further
  // (Shift+click still opens its trend, as on other elements).
  diagram.addEventListener(
    "click",
    (event) => {
      const node = event.target.closest?.(".is-controllable[tag]");
      if (!node || event.shiftKey) return;
      event.preventDefault();
      event.stopPropagation();
      show(node.getAttribute("tag"), node);
    },
    true,
  );
  diagram.addEventListener("keydown", (event) => {
    const node = event.target.closest?.(".is-controllable[tag]");
    if (!node || event.key !== "Enter") return;
    event.preventDefault();
    show(node.getAttribute("tag"), node);
  });
  // The screen page replaces the drawing on navigation: mark the new one.
  new MutationObserver(() => markControllable()).observe(diagram, { childList: true });
  markControllable();
  onRevision(() => {
    readHolds();
    refresh();
  });
}

if (pageData.canControl && panel && diagram) start();
