/**
 * Recording coverage: merging spans, the pixel rectangles of coverage bars
 * for a window (clipped, sub-pixel gaps closed, at least 1 px wide), and the
 * previous/next recording to jump to.
 */
import { timeToX, type View } from './timeAxis';

/** A recorded span, UTC ms, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** Sort and merge overlapping or touching spans; drops empty ones. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

export interface Rect {
  x: number;
  w: number;
  start: number;
  end: number;
}

/** Rectangles for the spans visible in `view` on a `width`-pixel track. */
export function coverageRects(spans: readonly Span[], view: View, width: number, minPx = 1): Rect[] {
  const out: Rect[] = [];
  for (const s of mergeSpans(spans)) {
    if (s.end <= view.start || s.start >= view.end) continue;
    const start = Math.max(s.start, view.start);
    const end = Math.min(s.end, view.end);
    const x0 = timeToX(start, view, width);
    const x1 = timeToX(end, view, width);
    const last = out[out.length - 1];
    if (last && x0 - (last.x + last.w) < 1) {
      last.w = Math.max(last.w, x1 - last.x);
      last.end = end;
      continue;
    }
    out.push({ x: x0, w: Math.max(x1 - x0, minPx), start, end });
  }
  return out;
}

/** The span containing `t`, if any. */
export function spanAt(spans: readonly Span[], t: number): Span | null {
  return mergeSpans(spans).find((s) => t >= s.start && t < s.end) ?? null;
}

/** Start of the first recording that begins after `t`, or null. */
export function nextRecordingStart(spans: readonly Span[], t: number): number | null {
  return mergeSpans(spans).find((s) => s.start > t)?.start ?? null;
}

/** Within this much of a span's start, "previous" means the span before. */
export const PREV_GRACE_MS = 2000;

/**
 * Where "previous recording" goes from `t`: the start of the span `t` is in
 * (if more than PREV_GRACE_MS into it), else the start of the span before.
 */
export function prevRecordingStart(spans: readonly Span[], t: number): number | null {
  const merged = mergeSpans(spans);
  let best: number | null = null;
  for (const s of merged) {
    if (s.start >= t - PREV_GRACE_MS) break;
    best = s.start;
  }
  return best;
}
