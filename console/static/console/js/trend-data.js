// What the Trends page asks the historian (GET /api/history/) and how its columnar answer
// becomes the chart's data: one time axis for every pen, gaps kept as gaps.
import { getJSON } from "./api.js";
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { parseTime } from "./time-format.js";

export const HISTORY_URL = "/api/history/";

// The query of a range: every pen, at most maxPoints buckets each (the screen's width).
export function historyQuery(tags, start, end, maxPoints, format = null) {
  const query = new URLSearchParams();
  for (const tag of tags) query.append("tag", tag);
  query.set("start", start.toISOString());
  query.set("end", end.toISOString());
  query.set("max_points", String(Math.max(1, Math.round(maxPoints))));
  if (format) query.set("format", format);
  return `${HISTORY_URL}?${query}`;
}

export async function readHistory(tags, start, end, maxPoints) {
  return getJSON(historyQuery(tags, start, end, maxPoints));
}

function seconds(iso) {
  const fast = Date.parse(iso);
  return (Number.isNaN(fast) ? parseTime(iso)?.getTime() ?? NaN : fast) / 1000;
}

// One series of the answer as columns in seconds: {tag, unit, t, avg, min, max}.
function columns(series) {
  return {
    tag: series.tag,
    unit: series.unit ?? "",
    t: series.t.map(seconds),
    avg: series.avg,
    min: series.min ?? series.avg,
    max: series.max ?? series.avg,
  };
}

// The answer for the pens, in the pens' order (a tag the server did not answer is empty).
export function penColumns(answer, tags) {
  const byTag = new Map(answer.series.map((series) => [series.tag, columns(series)]));
  return tags.map(
    (tag) => byTag.get(tag) ?? { tag, unit: "", t: [], avg: [], min: [], max: [] },
  );
}

// The newest part of a live trend replaces what the shown data has from its first time
// on (a rollup's last bucket grows), and what has left the window on the left goes.
export function appendTail(shown, tail, windowStart) {
  const from = windowStart.getTime() / 1000;
  return shown.map((pen, index) => {
    const fresh = tail[index];
    const cut = fresh.t.length ? fresh.t[0] : Infinity;
    const keep = [];
    for (let i = 0; i < pen.t.length; i++) if (pen.t[i] >= from && pen.t[i] < cut) keep.push(i);
    const pick = (values) => keep.map((i) => values[i]);
    return {
      ...pen,
      unit: pen.unit || fresh.unit,
      t: [...pick(pen.t), ...fresh.t],
      avg: [...pick(pen.avg), ...fresh.avg],
      min: [...pick(pen.min), ...fresh.min],
      max: [...pick(pen.max), ...fresh.max],
    };
  });
}

// How uPlot.join treats a pen's nulls: expanded over the times only other pens have
// (NULL_EXPAND), so that the gap runs from the pen's last value before it to its first after
// it; with the default (NULL_RETAIN) a gap would stop at another pen's neighbouring time and
// the rest of the line across the outage would still be drawn.
const NULL_EXPAND = 2;

// uPlot's data: one shared time axis, then avg, min and max of each pen. A time that only
// some pens have is left undefined for the others (drawn across), while the server's nulls
// (an outage, bad quality) stay null and widen to the pen's neighbouring values: gaps, as
// the chart's series have spanGaps: false.
export function chartData(pens) {
  if (!pens.length) return [[]];
  return uPlot.join(
    pens.map((pen) => [pen.t, pen.avg, pen.min, pen.max]),
    pens.map(() => [NULL_EXPAND, NULL_EXPAND, NULL_EXPAND, NULL_EXPAND]),
  );
}
