// The screen viewer: a screen's drawing filling the window, its elements live, links to
// other screens, tooltips and the marks of data that is not current.
import { AlarmMarks } from "./alarm-marks.js";
import { getJSON, getText } from "./api.js";
import { forgetConnection, reportConnection } from "./connection.js";
import { parseDrawing } from "./drawing.js";
import { pageData } from "./page-data.js";
import { repeat } from "./periodic.js";
import { ScreenNavigation } from "./screen-navigation.js";
import { ScreenRenderer } from "./screen-renderer.js";
import { Staleness } from "./staleness.js";
import { ACQUISITION_CHANGED } from "./acquisition.js";
import { ScreenStream } from "./stream-client.js";
import { Tooltips } from "./tooltips.js";

const COMASTERS_INTERVAL_MS = 3000;
const SCREEN_LINK = "#screen:";

const diagram = document.getElementById("diagram");
const staleness = new Staleness(document.getElementById("staleness"), diagram);
const alarmMarks = new AlarmMarks(diagram);
document.addEventListener(ACQUISITION_CHANGED, (event) => staleness.acquisition(event.detail.running));
const view = { id: null, renderer: null, stream: null, links: new Map(), loads: 0 };

const navigation = new ScreenNavigation(pageData.screens, {
  list: document.getElementById("screen-list"),
  breadcrumb: document.getElementById("breadcrumb"),
  onOpen: (screen) => show(screen),
});
const tooltips = new Tooltips(diagram, document.getElementById("tooltip"), {
  describeLink: (tag) => navigation.screens.get(view.links.get(tag))?.name,
});

async function show(screen) {
  const load = ++view.loads;
  view.stream?.close();
  forgetConnection("stream");
  staleness.stream("connecting"); // no live data until the new screen's stream is up
  tooltips.setScreen(screen.id);
  diagram.dataset.screen = screen.id;
  diagram.setAttribute("aria-busy", "true");
  let detail, svgText, state;
  try {
    [detail, svgText, state] = await Promise.all([
      getJSON(`/api/screens/${screen.id}/`),
      getText(`/api/screens/${screen.id}/svg`),
      getJSON(`/api/screens/${screen.id}/state`),
    ]);
  } catch (error) {
    if (load === view.loads) showProblem(`${screen.name} cannot be loaded: ${error.message}`);
    return;
  }
  if (load !== view.loads) return; // another screen was asked for meanwhile
  let svg;
  try {
    svg = parseDrawing(svgText);
  } catch (error) {
    showProblem(error.message);
    return;
  }
  diagram.replaceChildren(svg);
  alarmMarks.apply();
  diagram.removeAttribute("aria-busy");
  view.id = screen.id;
  view.renderer = new ScreenRenderer(svg, pageData.colours);
  view.links = new Map(detail.links.filter((l) => l.tag).map((l) => [l.tag, l.screen]));
  markLinks(svg);
  applyChanges(state);
  view.stream = new ScreenStream(screen.id, state.revision, {
    onChange: applyChanges,
    onStatus: (status) => {
      reportConnection("stream", status);
      staleness.stream(status);
    },
  });
  view.stream.open();
}

function applyChanges(state) {
  view.renderer.apply(state.elements);
  const notCurrent = view.renderer.notCurrentTags().length;
  if (notCurrent && !staleness.notCurrent) offlineReader.now(); // name the cause at once
  staleness.elements(notCurrent);
}

function markLinks(svg) {
  for (const [tag, screenId] of view.links) {
    for (const node of svg.querySelectorAll(`[tag="${CSS.escape(tag)}"]`)) {
      node.classList.add("has-link");
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "link");
      node.setAttribute("aria-label", `Open ${navigation.screens.get(screenId)?.name ?? "screen"}`);
    }
  }
}

function showProblem(message) {
  const problem = document.createElement("p");
  problem.className = "diagram-problem";
  problem.textContent = message;
  diagram.replaceChildren(problem);
  diagram.removeAttribute("aria-busy");
}

// The screen a click (or Enter) on a node opens: a linked element, or a link of the drawing.
function linkedScreen(target) {
  const bound = target.closest("[tag].has-link");
  if (bound) return view.links.get(bound.getAttribute("tag"));
  const anchor = target.closest("a");
  const href = anchor?.getAttribute("href") ?? anchor?.getAttribute("xlink:href") ?? "";
  if (!href.startsWith(SCREEN_LINK)) return undefined;
  return navigation.screenNamed(href.slice(SCREEN_LINK.length).trim())?.id;
}

diagram.addEventListener("click", (event) => {
  if (event.shiftKey) return; // Shift+click opens the element's trend (tooltips.js)
  const target = linkedScreen(event.target);
  if (target !== undefined || event.target.closest("a")) event.preventDefault();
  if (target) navigation.open(target);
});
diagram.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  const target = linkedScreen(event.target);
  if (target) navigation.open(target);
});

async function readOfflineComasters() {
  try {
    const page = await getJSON(`/api/comasters/?profile=${pageData.profile}&enabled=true&online=false`);
    staleness.comasters(page.results);
  } catch {
    // The header reports the server unreachable; the banner keeps what it knew.
  }
}

const offlineReader = repeat(readOfflineComasters, COMASTERS_INTERVAL_MS);
navigation.open(pageData.screen, { push: false });
