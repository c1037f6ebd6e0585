// A task that runs now and again after each run ends (never two at once), until stopped.
// Asking for a run while one is under way runs the task again as soon as it ends, so that
// the caller sees data read after its request.
export function repeat(task, intervalMs) {
  let timer = null;
  let stopped = false;
  let running = null;
  let again = false;

  async function run() {
    clearTimeout(timer);
    if (stopped) return;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        await task();
      } finally {
        running = null;
        if (again) {
          again = false;
          run();
        } else if (!stopped) {
          timer = setTimeout(run, intervalMs);
        }
      }
    })();
    return running;
  }

  run();
  return {
    now: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
