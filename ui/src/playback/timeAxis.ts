/**
 * Time-axis math of the playback timeline: the site-local day as UTC bounds
 * (23, 24 or 25 hours long), the visible window (zoom 24 h down to 1 minute,
 * pan), mapping between pixels and instants, seek clamping (never past now)
 * and following the playhead.
 */

/** A site-local day as the engine reports it (`playback_day`). */
export interface DayInfo {
  date: string;
  timeZone: string;
  /** UTC ms of 00:00 site time. */
  start: number;
  /** UTC ms of the next day's 00:00 site time. */
  end: number;
  hours: number;
}

/** The visible window of the axis, UTC ms. */
export interface View {
  start: number;
  end: number;
}

export const MIN_SPAN_MS = 60_000;

export function fullView(day: DayInfo): View {
  return { start: day.start, end: day.end };
}

export function timeToX(t: number, view: View, width: number): number {
  return ((t - view.start) / (view.end - view.start)) * width;
}

export function xToTime(x: number, view: View, width: number): number {
  if (width <= 0) return view.start;
  return view.start + (x / width) * (view.end - view.start);
}

/** Keep a window inside the day, at least MIN_SPAN_MS and at most the day long. */
export function clampView(v: View, day: DayInfo): View {
  const dayLen = day.end - day.start;
  let span = Math.min(Math.max(v.end - v.start, MIN_SPAN_MS), dayLen);
  if (!Number.isFinite(span)) span = dayLen;
  let start = Number.isFinite(v.start) ? v.start : day.start;
  start = Math.min(Math.max(start, day.start), day.end - span);
  return { start, end: start + span };
}

/**
 * Zoom by `factor` (< 1 zooms in) keeping the instant `anchor` at the same
 * pixel; clamped to the day and 1 minute .. whole day.
 */
export function zoomView(v: View, factor: number, anchor: number, day: DayInfo): View {
  const span = v.end - v.start;
  const next = Math.min(Math.max(span * factor, MIN_SPAN_MS), day.end - day.start);
  const a = Math.min(Math.max(anchor, v.start), v.end);
  const frac = span > 0 ? (a - v.start) / span : 0.5;
  const start = a - frac * next;
  return clampView({ start, end: start + next }, day);
}

/** Shift the window by `dt` ms, clamped to the day. */
export function panView(v: View, dt: number, day: DayInfo): View {
  return clampView({ start: v.start + dt, end: v.end + dt }, day);
}

/**
 * Where a seek to `t` may go: inside the day and never past now (the last
 * second before now at the latest).
 */
export function clampSeek(t: number, day: DayInfo, now: number): number {
  const hi = Math.min(day.end, now) - 1000;
  return Math.round(Math.max(day.start, Math.min(t, hi)));
}

/**
 * A window that shows `position`: unchanged when it already does, otherwise
 * paged so the playhead sits 10 % in from the edge it enters from.
 */
export function followView(v: View, position: number, forward: boolean, day: DayInfo): View {
  if (position >= v.start && position <= v.end) return v;
  const span = v.end - v.start;
  const start = forward ? position - 0.1 * span : position - 0.9 * span;
  return clampView({ start, end: start + span }, day);
}
