// A task that runs now and again after each run ends (never two at once), until stopped.
export function repeat(task, intervalMs) {
  let timer = null;
  let stopped = false;
  let running = false;

  async function run() {
    clearTimeout(timer);
    if (stopped || running) return;
    running = true;
    try {
      await task();
    } finally {
      running = false;
      if (!stopped) timer = setTimeout(run, intervalMs);
    }
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
