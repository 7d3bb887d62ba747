/**
 * Tick marks of the timeline at site-local wall-clock multiples: the step is
 * the smallest one that leaves room for a label (never coarser than 6 h),
 * minor ticks use the next finer step. Every step up to 5 minutes divides
 * 15 minutes and every IANA offset in use is a multiple of 15 minutes, so
 * those ticks are UTC multiples; coarser ones are 15-minute UTC multiples
 * filtered by their site-local minute of the day (so a DST day gets its
 * 23 or 25 labelled hours right).
 */
import { formatSiteTime, wallClock } from './zoned';
import type { View } from './timeAxis';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

export const TICK_STEPS: readonly number[] = [S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H];
export const MAX_STEP = 6 * H;
const QUARTER = 15 * M;

/** The smallest step whose ticks are at least `minPx` apart (capped at 6 h). */
export function tickStep(spanMs: number, widthPx: number, minPx: number): number {
  if (widthPx <= 0 || spanMs <= 0) return MAX_STEP;
  const msPerPx = spanMs / widthPx;
  return TICK_STEPS.find((s) => s / msPerPx >= minPx) ?? MAX_STEP;
}

export interface Tick {
  t: number;
  major: boolean;
  /** Site-local label, set on major ticks. */
  label: string | null;
}

/** Instants in [from, to] that are site-local multiples of `step`. */
export function alignedInstants(from: number, to: number, step: number, tz: string): number[] {
  const out: number[] = [];
  if (step <= QUARTER) {
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
    return out;
  }
  const stepMin = step / M;
  for (let t = Math.ceil(from / QUARTER) * QUARTER; t <= to; t += QUARTER) {
    const w = wallClock(tz, t);
    if ((w.hour * 60 + w.minute) % stepMin === 0) out.push(t);
  }
  return out;
}

/**
 * Major (labelled) and minor ticks for a window `widthPx` wide. `dayEnd` is
 * labelled "24:00" rather than the next day's "00:00".
 */
export function generateTicks(view: View, widthPx: number, tz: string, dayEnd: number, minLabelPx = 70, minMinorPx = 8): Tick[] {
  const span = view.end - view.start;
  const major = tickStep(span, widthPx, minLabelPx);
  const idx = TICK_STEPS.indexOf(major);
  let minor: number | null = null;
  for (let i = idx - 1; i >= 0; i--) {
    const s = TICK_STEPS[i];
    if (major % s !== 0) continue;
    if ((s / span) * widthPx < minMinorPx) break;
    minor = s;
  }
  const seconds = major < M;
  const majors = alignedInstants(view.start, view.end, major, tz);
  const majorSet = new Set(majors);
  const ticks: Tick[] = majors.map((t) => ({ t, major: true, label: t === dayEnd ? '24:00' : formatSiteTime(tz, t, seconds) }));
  if (minor) {
    for (const t of alignedInstants(view.start, view.end, minor, tz)) if (!majorSet.has(t)) ticks.push({ t, major: false, label: null });
  }
  return ticks.sort((a, b) => a.t - b.t);
}
