// A screen's SVG (already sanitised by the server) as a node for the page, sized to fill
// its area whatever size the drawing was saved at, its style sheets confined to it.
export class DrawingError extends Error {}

export function parseDrawing(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = parsed.documentElement;
  if (root.localName !== "svg" || parsed.querySelector("parsererror")) {
    throw new DrawingError("The drawing of this screen cannot be read.");
  }
  const svg = document.importNode(root, true);
  if (!svg.hasAttribute("viewBox")) {
    const width = parseFloat(svg.getAttribute("width")) || 1000;
    const height = parseFloat(svg.getAttribute("height")) || 600;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  }
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  svg.classList.add("drawing");
  confineStyles(svg);
  return svg;
}

// Rules that select nothing (animations, fonts, registered properties): they cannot be
// scoped, and stay as they are.
const GLOBAL_RULES = ["CSSKeyframesRule", "CSSFontFaceRule", "CSSPropertyRule",
  "CSSCounterStyleRule", "CSSFontFeatureValuesRule", "CSSFontPaletteValuesRule"];

// An SVG <style> placed in an HTML page styles the whole page: a drawing's `body { ... }`
// or `.banner { display: none }` would restyle the console, or hide its alarm banner. Each
// sheet is read by the browser's own CSS parser (what it checks is what it applies) and its
// style rules are put in a prelude-less @scope, whose root is the <style>'s parent: so each
// <style> moves up to be a child of the drawing's root, keeping their order.
function confineStyles(svg) {
  const styles = [...svg.querySelectorAll("style")];
  let before = svg.firstChild;
  for (const style of styles) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(style.textContent);
    const global = [];
    const scoped = [];
    for (const rule of sheet.cssRules) {
      (GLOBAL_RULES.includes(rule.constructor.name) ? global : scoped).push(rule.cssText);
    }
    style.textContent = `${global.join("\n")}\n@scope {\n${scoped.join("\n")}\n}`;
    svg.insertBefore(style, before);
    before = style.nextSibling;
  }
}
