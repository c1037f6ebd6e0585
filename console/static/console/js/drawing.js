// A screen's SVG (already sanitised by the server) as a node for the page, sized to fill
// its area whatever size the drawing was saved at.
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
  return svg;
}
