// Applies element states (from a snapshot or the stream) to the drawing's bound elements.
//
// An element is every node of the drawing with its tag (`[tag]`); a group passes fill and
// stroke on to the shapes and texts inside it. Colours go through the style, which wins
// over the drawing's own. A colour the state leaves empty restores the drawing's colour.
// Two states override the formulas' colours, so that an operator cannot miss them:
// an element in error takes the palette's "invalid" colour, an element whose data is not
// current the "not current" one (its text keeps the last value, in that colour). The
// override paints what the formulas colour: fill and stroke when they drive them, else
// the element's text.
const SVG_NS = "http://www.w3.org/2000/svg";
const PAINTED = "path, rect, circle, ellipse, line, polyline, polygon, text, tspan, use";
const MARK_CLASSES = { 1: "mark-blink", 2: "mark-hidden" };

export class ScreenRenderer {
  constructor(svg, colours) {
    this.svg = svg;
    this.colours = colours;
    this.nodes = new Map(); // tag -> bound nodes
    this.original = new WeakMap(); // painted node -> its own fill and stroke
    this.states = new Map(); // tag -> last state applied
    for (const node of svg.querySelectorAll("[tag]")) {
      const tag = node.getAttribute("tag");
      if (!this.nodes.has(tag)) this.nodes.set(tag, []);
      this.nodes.get(tag).push(node);
      for (const painted of paintedNodes(node)) {
        if (!this.original.has(painted)) this.original.set(painted, ownPaint(painted));
      }
    }
  }

  apply(elements) {
    for (const state of elements) {
      this.states.set(state.tag, state);
      for (const node of this.nodes.get(state.tag) ?? []) this.applyTo(node, state);
    }
  }

  // Bound elements whose data is not current.
  notCurrentTags() {
    return [...this.states.values()].filter((s) => !s.current && this.nodes.has(s.tag)).map((s) => s.tag);
  }

  applyTo(node, state) {
    const override = state.error ? this.colours.invalid : state.current ? null : this.colours.notCurrent;
    // The override takes the channels the formulas drive; a text's colour when none is.
    const textOnly = state.fill_color == null && state.stroke_color == null;
    for (const painted of paintedNodes(node)) {
      const own = this.original.get(painted);
      const isText = painted.localName === "text" || painted.localName === "tspan";
      const fillOverride = state.fill_color != null || (textOnly && isText) ? override : null;
      const strokeOverride = state.stroke_color != null ? override : null;
      paint(painted, "fill", fillOverride ?? state.fill_color, own.fill);
      paint(painted, "stroke", strokeOverride ?? state.stroke_color, own.stroke);
    }
    if (state.text) setText(node, state.text);
    node.classList.toggle("is-not-current", !state.current);
    node.classList.toggle("is-invalid", Boolean(state.error));
    for (const [code, name] of Object.entries(MARK_CLASSES)) {
      node.classList.toggle(name, String(state.mark) === code);
    }
  }
}

function paintedNodes(node) {
  return (node.matches(PAINTED) ? [node] : []).concat([...node.querySelectorAll(PAINTED)]);
}

// The drawing's own colour of each channel, and whether it leaves the channel unpainted
// (an outline's fill, a text's stroke): such a channel is never painted.
function ownPaint(node) {
  const computed = getComputedStyle(node);
  const own = (channel) => ({
    inline: node.style.getPropertyValue(channel),
    none: computed.getPropertyValue(channel) === "none",
  });
  return { fill: own("fill"), stroke: own("stroke") };
}

function paint(node, channel, colour, own) {
  if (own.none) return;
  const wanted = colour ?? own.inline;
  if (wanted) node.style.setProperty(channel, wanted);
  else node.style.removeProperty(channel);
}

function setText(node, text) {
  const target = node.localName === "text" ? node : node.querySelector("text");
  if (!target) return;
  const lines = target.getElementsByTagNameNS(SVG_NS, "tspan");
  if (lines.length === 0) {
    target.textContent = text;
    return;
  }
  lines[0].textContent = text;
  for (const extra of [...lines].slice(1)) extra.textContent = "";
}
