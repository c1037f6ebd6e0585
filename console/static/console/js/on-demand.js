// A read that runs when asked, never two at once: asking while one runs runs it once more
// after, so the caller sees data read after its request, however many asked meanwhile.
// With spacingMs, a run starts at least that long after the previous one started, so a
// busy plant (many revisions a second) costs each page at most one read per spacing.
export function onDemand(task, { spacingMs = 0 } = {}) {
  let running = null;
  let again = false;
  let lastStart = -Infinity;

  async function run() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        const wait = lastStart + spacingMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        lastStart = performance.now();
        await task();
      } finally {
        running = null;
        if (again) {
          again = false;
          run();
        }
      }
    })();
    return running;
  }

  return run;
}
