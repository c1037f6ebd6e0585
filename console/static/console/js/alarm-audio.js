// Audible annunciation, off by default and enabled per browser (localStorage): a tone per
// priority, made with Web Audio (no sound file), repeated while an alarm is unacknowledged
// and not silenced. Silencing covers the alarms unacknowledged now; a newer one sounds again.
import { onAlarms, PRIORITIES, UNACKNOWLEDGED } from "./alarm-feed.js";

const STORAGE_KEY = "smve.alarmSound";
const REPEAT_MS = 3000;
// Pitch and number of beeps: the more urgent, the higher and the more beeps.
const TONES = {
  urgent: { frequency: 1046, beeps: 4 },
  high: { frequency: 880, beeps: 3 },
  medium: { frequency: 660, beeps: 2 },
  low: { frequency: 523, beeps: 1 },
};

const toggle = document.getElementById("alarm-sound");
const silence = document.getElementById("alarm-silence");
let context = null;
let timer = null;
let sounding = null; // the most urgent priority to sound, or null
let unacknowledgedKeys = new Set();
let silenced = new Set();

const enabled = () => localStorage.getItem(STORAGE_KEY) === "on";
const keyOf = (alarm) => `${alarm.id}@${alarm.state_since}`;

function beep(priority) {
  const { frequency, beeps } = TONES[priority];
  const start = context.currentTime;
  for (let i = 0; i < beeps; i += 1) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, start + i * 0.25);
    gain.gain.setValueAtTime(0, start + i * 0.25 + 0.15);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + i * 0.25);
    oscillator.stop(start + i * 0.25 + 0.16);
  }
}

function schedule() {
  clearInterval(timer);
  timer = null;
  if (!enabled() || !sounding || !context) return;
  beep(sounding);
  timer = setInterval(() => beep(sounding), REPEAT_MS);
}

function showControls() {
  toggle.textContent = enabled() ? "Sound on" : "Sound off";
  toggle.setAttribute("aria-pressed", String(enabled()));
  silence.hidden = !enabled() || !sounding;
}

function update({ alarms }) {
  const loud = alarms.filter((alarm) => UNACKNOWLEDGED.has(alarm.state));
  unacknowledgedKeys = new Set(loud.map(keyOf));
  silenced = new Set([...silenced].filter((key) => unacknowledgedKeys.has(key)));
  const priorities = loud.filter((alarm) => !silenced.has(keyOf(alarm))).map((a) => a.priority);
  const next = PRIORITIES.find((priority) => priorities.includes(priority)) ?? null;
  if (next !== sounding) {
    sounding = next;
    schedule();
  }
  showControls();
}

if (toggle && silence) {
  toggle.addEventListener("click", () => {
    localStorage.setItem(STORAGE_KEY, enabled() ? "off" : "on");
    // A browser lets a page make sound only after a click on it: create the context here.
    if (enabled() && !context) context = new AudioContext();
    schedule();
    showControls();
  });
  silence.addEventListener("click", () => {
    silenced = new Set(unacknowledgedKeys);
    sounding = null;
    schedule();
    showControls();
  });
  // Enabled in an earlier visit: the context starts at the first click anywhere on the page.
  document.addEventListener(
    "click",
    () => {
      if (enabled() && !context) {
        context = new AudioContext();
        schedule();
      }
    },
    { once: true },
  );
  showControls();
  onAlarms(update);
}
