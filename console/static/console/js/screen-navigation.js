// Moving between screens: one URL per screen (/screens/ID/), the browser's back and
// forward buttons, the breadcrumb from the root, and the list of every screen.
export class ScreenNavigation {
  constructor(screens, { list, breadcrumb, onOpen }) {
    this.screens = new Map(screens.map((screen) => [screen.id, screen]));
    this.byName = new Map(screens.map((screen) => [screen.name, screen]));
    this.list = list;
    this.breadcrumb = breadcrumb;
    this.onOpen = onOpen;
    this.current = null;
    window.addEventListener("popstate", (event) => {
      const id = event.state?.screen ?? screenIdFromPath(location.pathname);
      if (id) this.open(id, { push: false });
    });
    for (const container of [list, breadcrumb]) {
      container.addEventListener("click", (event) => {
        const link = event.target.closest("a[data-screen]");
        if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        this.open(Number(link.dataset.screen));
      });
    }
  }

  screenNamed(name) {
    return this.byName.get(name);
  }

  open(id, { push = true } = {}) {
    const screen = this.screens.get(id);
    if (!screen) return;
    if (push && id !== this.current) history.pushState({ screen: id }, "", urlOf(id));
    else if (!push) history.replaceState({ screen: id }, "", urlOf(id));
    this.current = id;
    document.title = `${screen.name} · SMVE`;
    this.renderBreadcrumb(screen);
    this.renderList();
    this.onOpen(screen);
  }

  renderBreadcrumb(screen) {
    const trail = [];
    const seen = new Set();
    for (let s = screen; s && !seen.has(s.id); s = this.screens.get(s.parent)) {
      trail.unshift(s);
      seen.add(s.id);
    }
    this.breadcrumb.replaceChildren(
      ...trail.map((s, index) =>
        index === trail.length - 1 ? crumb("span", s, { "aria-current": "page" }) : crumb("a", s)
      )
    );
  }

  renderList() {
    const children = new Map();
    for (const screen of this.screens.values()) {
      const parent = this.screens.has(screen.parent) ? screen.parent : null;
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(screen);
    }
    const items = (parent, depth) =>
      (children.get(parent) ?? []).flatMap((screen) => [
        listItem(screen, depth, screen.id === this.current),
        ...items(screen.id, depth + 1),
      ]);
    this.list.replaceChildren(...items(null, 0));
  }
}

export function screenIdFromPath(path) {
  const match = /^\/screens\/(\d+)\/?$/.exec(path);
  return match ? Number(match[1]) : null;
}

function urlOf(id) {
  return `/screens/${id}/`;
}

function crumb(tagName, screen, attributes = {}) {
  const node = document.createElement(tagName);
  node.textContent = screen.name;
  if (tagName === "a") {
    node.href = urlOf(screen.id);
    node.dataset.screen = screen.id;
  }
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function listItem(screen, depth, current) {
  const item = document.createElement("li");
  item.style.setProperty("--depth", depth);
  const link = crumb("a", screen);
  if (screen.description) link.title = screen.description;
  if (current) link.setAttribute("aria-current", "page");
  item.append(link);
  return item;
}
