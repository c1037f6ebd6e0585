// A screen's live stream (Server-Sent Events from /api/stream): element changes after the
// revision the page has, and whether the stream is up.
//
// The browser reconnects by itself after a dropped connection, sending Last-Event-ID, so
// nothing is missed. When it gives up (the server answered with an error, for instance
// while it restarts behind a proxy) a new stream is opened after a pause, from the last
// revision received.
const RETRY_MS = [1000, 2000, 5000, 10000];

export class ScreenStream {
  constructor(screenId, revision, { onChange, onStatus }) {
    this.screenId = screenId;
    this.revision = revision;
    this.onChange = onChange;
    this.onStatus = onStatus;
    this.source = null;
    this.retries = 0;
    this.timer = null;
    this.closed = false;
  }

  open() {
    const url = `/api/stream?screen=${this.screenId}&last_event_id=${this.revision}`;
    const source = new EventSource(url);
    this.source = source;
    this.onStatus("connecting");
    source.onopen = () => {
      this.retries = 0;
      this.onStatus("live");
    };
    source.onmessage = (message) => {
      const state = JSON.parse(message.data);
      this.revision = Math.max(this.revision, state.revision);
      this.onChange(state);
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        this.onStatus("down");
        this.retryLater();
      } else {
        this.onStatus("connecting");
      }
    };
  }

  retryLater() {
    if (this.closed) return;
    const delay = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)];
    this.retries += 1;
    this.timer = setTimeout(() => this.open(), delay);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.source?.close();
  }
}
