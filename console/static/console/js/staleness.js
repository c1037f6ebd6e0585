// Says, above the diagram, when what it shows is not live: the whole screen when its
// stream is down, some elements when the COMasters behind them do not answer. The screen
// is marked after a short grace, so that a stream reconnecting at once does not flicker.
import { formatTime } from "./time-format.js";

const GRACE_MS = 2000;

export class Staleness {
  constructor(banner, diagram) {
    this.banner = banner;
    this.diagram = diagram;
    this.streamState = "connecting";
    this.lastLive = new Date();
    this.graceTimer = null;
    this.notCurrent = 0;
    this.offline = [];
    this.acquisitionStopped = false;
  }

  // The poller's heartbeat is stale: nothing on the drawing is current (the page's
  // banner says since when).
  acquisition(running) {
    this.acquisitionStopped = !running;
    this.render();
  }

  // The stream's state; "live" also when a message arrived.
  stream(state) {
    if (this.streamState === "live") this.lastLive = new Date();
    if (state === "live") this.lastLive = new Date();
    this.streamState = state;
    clearTimeout(this.graceTimer);
    if (state !== "live") this.graceTimer = setTimeout(() => this.render(), GRACE_MS);
    this.render();
  }

  elements(notCurrentCount) {
    this.notCurrent = notCurrentCount;
    this.render();
  }

  comasters(offline) {
    this.offline = offline;
    this.render();
  }

  render() {
    const streamDown = this.streamState !== "live" && new Date() - this.lastLive >= GRACE_MS;
    this.diagram.classList.toggle("is-stale", streamDown || this.acquisitionStopped);
    let text = "";
    if (streamDown) {
      const asOf = formatTime(this.lastLive);
      text = `Live data interrupted: the screen shows the plant as of ${asOf} and is not current.`;
    } else if (this.notCurrent > 0) {
      const count = this.notCurrent === 1 ? "1 element is" : `${this.notCurrent} elements are`;
      const causes = this.offline.map(
        (c) =>
          `${c.name} offline since ${formatTime(c.state_since)} ` +
          `(last good poll ${formatTime(c.last_poll_at)})`
      );
      const why = causes.length ? `: ${causes.join("; ")}` : " (their devices do not answer)";
      text = `${count} not current${why}.`;
    }
    this.banner.textContent = text;
    this.banner.hidden = !text;
    this.banner.dataset.kind = streamDown ? "stream" : "elements";
  }
}
