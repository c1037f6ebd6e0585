// A read that runs when asked, never two at once: asking while one runs runs it once more
// after, so the caller sees data read after its request, however many asked meanwhile.
export function onDemand(task) {
  let running = null;
  let again = false;

  async function run() {
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
        }
      }
    })();
    return running;
  }

  return run;
}
