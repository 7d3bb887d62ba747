import { describe, expect, it } from 'vitest';
import { clampSeek, clampView, followView, fullView, MIN_SPAN_MS, panView, timeToX, xToTime, zoomView, type DayInfo } from './timeAxis';

const H = 3_600_000;
// America/New_York, 2026-11-01: 00:00 EDT = 04:00 UTC, next 00:00 EST = 05:00 UTC (25 h).
const fallBack: DayInfo = { date: '2026-11-01', timeZone: 'America/New_York', start: Date.UTC(2026, 10, 1, 4), end: Date.UTC(2026, 10, 2, 5), hours: 25 };
// 2026-03-08: 00:00 EST = 05:00 UTC, next 00:00 EDT = 04:00 UTC (23 h).
const springForward: DayInfo = { date: '2026-03-08', timeZone: 'America/New_York', start: Date.UTC(2026, 2, 8, 5), end: Date.UTC(2026, 2, 9, 4), hours: 23 };

describe('time axis', () => {
  it('maps pixels and instants both ways over a 25 h and a 23 h day', () => {
    for (const day of [fallBack, springForward]) {
      const v = fullView(day);
      expect(v.end - v.start).toBe(day.hours * H);
      expect(timeToX(day.start, v, 1000)).toBe(0);
      expect(timeToX(day.end, v, 1000)).toBe(1000);
      expect(xToTime(500, v, 1000)).toBe(day.start + (day.hours * H) / 2);
      const t = day.start + 7 * H + 123;
      expect(xToTime(timeToX(t, v, 1000), v, 1000)).toBeCloseTo(t, 3);
    }
    expect(xToTime(10, { start: 5, end: 6 }, 0)).toBe(5);
  });

  it('zooms about the anchor and clamps to 1 minute .. the whole day', () => {
    const v = fullView(fallBack);
    const anchor = fallBack.start + 10 * H;
    const z = zoomView(v, 0.5, anchor, fallBack);
    expect(z.end - z.start).toBe(12.5 * H);
    // The anchor stays at the same fraction of the width.
    expect(timeToX(anchor, z, 1000)).toBeCloseTo(timeToX(anchor, v, 1000), 6);
    let deep = z;
    for (let i = 0; i < 40; i++) deep = zoomView(deep, 0.5, anchor, fallBack);
    expect(deep.end - deep.start).toBe(MIN_SPAN_MS);
    expect(anchor).toBeGreaterThanOrEqual(deep.start);
    expect(anchor).toBeLessThanOrEqual(deep.end);
    let out = deep;
    for (let i = 0; i < 40; i++) out = zoomView(out, 2, anchor, fallBack);
    expect(out).toEqual(fullView(fallBack));
  });

  it('pans within the day', () => {
    const v = { start: fallBack.start + H, end: fallBack.start + 2 * H };
    expect(panView(v, 30 * 60_000, fallBack)).toEqual({ start: v.start + 30 * 60_000, end: v.end + 30 * 60_000 });
    expect(panView(v, -10 * H, fallBack)).toEqual({ start: fallBack.start, end: fallBack.start + H });
    expect(panView(v, 100 * H, fallBack)).toEqual({ start: fallBack.end - H, end: fallBack.end });
  });

  it('clamps broken windows', () => {
    expect(clampView({ start: fallBack.start - 5 * H, end: fallBack.end + 5 * H }, fallBack)).toEqual(fullView(fallBack));
    expect(clampView({ start: NaN, end: NaN }, fallBack)).toEqual(fullView(fallBack));
    const tiny = clampView({ start: fallBack.start + H, end: fallBack.start + H + 10 }, fallBack);
    expect(tiny.end - tiny.start).toBe(MIN_SPAN_MS);
  });

  it('never seeks past now or out of the day', () => {
    const now = springForward.start + 5 * H;
    expect(clampSeek(springForward.start + 10 * H, springForward, now)).toBe(now - 1000);
    expect(clampSeek(springForward.start - H, springForward, now)).toBe(springForward.start);
    expect(clampSeek(springForward.start + H + 0.4, springForward, now)).toBe(springForward.start + H);
    const later = springForward.end + 48 * H;
    expect(clampSeek(springForward.end + H, springForward, later)).toBe(springForward.end - 1000);
  });

  it('follows the playhead by paging', () => {
    const v = { start: fallBack.start, end: fallBack.start + H };
    expect(followView(v, v.start + 1000, true, fallBack)).toBe(v);
    expect(followView(v, v.end + 1000, true, fallBack)).toEqual({ start: v.end + 1000 - 0.1 * H, end: v.end + 1000 + 0.9 * H });
    const back = followView({ start: fallBack.start + 5 * H, end: fallBack.start + 6 * H }, fallBack.start + 3 * H, false, fallBack);
    expect(back).toEqual({ start: fallBack.start + 3 * H - 0.9 * H, end: fallBack.start + 3 * H + 0.1 * H });
  });
});
