// Times as operators read them: in the site's time zone, to the millisecond where the
// sequence of events matters.
import { pageData } from "./page-data.js";

const zone = supportedZone(pageData.timeZone);
const parts = new Intl.DateTimeFormat("en-GB", {
  timeZone: zone,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
  hourCycle: "h23",
});

function supportedZone(name) {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: name });
    return name;
  } catch {
    return undefined; // the browser's own zone
  }
}

function fields(date) {
  const found = {};
  for (const { type, value } of parts.formatToParts(date)) found[type] = value;
  return found;
}

// API times carry microseconds; JavaScript dates keep milliseconds.
export function parseTime(value) {
  if (value == null || value === "") return null;
  const date = value instanceof Date ? value : new Date(String(value).replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(date.getTime()) ? null : date;
}

// "2024-05-02 14:03:07.125" (or without milliseconds), in the site's zone.
export function formatDateTime(value, { milliseconds = true } = {}) {
  const date = parseTime(value);
  if (!date) return "—";
  const f = fields(date);
  const time = `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}:${f.second}`;
  return milliseconds ? `${time}.${f.fractionalSecond}` : time;
}

// "14:03:07.125" (or without milliseconds), in the site's zone.
export function formatTime(value, { milliseconds = true } = {}) {
  const date = parseTime(value);
  if (!date) return "—";
  const f = fields(date);
  const time = `${f.hour}:${f.minute}:${f.second}`;
  return milliseconds ? `${time}.${f.fractionalSecond}` : time;
}

// "4 s ago", "12 min ago", "3 h ago", "2 d ago".
export function formatAge(value, now = new Date()) {
  const date = parseTime(value);
  if (!date) return "";
  const seconds = Math.max(0, Math.round((now - date) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

// A wall time typed in the site's zone ("2024-05-02T14:03" or with seconds) as a Date.
export function siteWallTimeToDate(wall) {
  if (!wall) return null;
  const asUtc = new Date(`${wall.length === 16 ? `${wall}:00` : wall}Z`);
  if (Number.isNaN(asUtc.getTime())) return null;
  // The zone's offset at that instant; asked twice so that a DST change in between counts.
  let date = new Date(asUtc.getTime() - zoneOffset(asUtc));
  date = new Date(asUtc.getTime() - zoneOffset(date));
  return date;
}

function zoneOffset(date) {
  const f = fields(date);
  const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.fractionalSecond);
  return wall - date.getTime();
}
