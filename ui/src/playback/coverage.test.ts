import { describe, expect, it } from 'vitest';
import { coverageRects, mergeSpans, nextRecordingStart, prevRecordingStart, spanAt } from './coverage';

const M = 60_000;
const H = 60 * M;
const D = Date.UTC(2026, 10, 20);

describe('coverage', () => {
  it('merges overlapping and touching spans, drops empty ones', () => {
    expect(mergeSpans([{ start: 50, end: 60 }, { start: 0, end: 10 }, { start: 10, end: 20 }, { start: 15, end: 18 }, { start: 30, end: 30 }])).toEqual([
      { start: 0, end: 20 },
      { start: 50, end: 60 },
    ]);
  });

  it('draws clipped rectangles for the visible window', () => {
    const spans = [{ start: D - H, end: D + 2 * H }, { start: D + 3 * H, end: D + 4 * H }, { start: D + 30 * H, end: D + 31 * H }];
    const rects = coverageRects(spans, { start: D, end: D + 24 * H }, 2400);
    expect(rects).toEqual([
      { x: 0, w: 200, start: D, end: D + 2 * H },
      { x: 300, w: 100, start: D + 3 * H, end: D + 4 * H },
    ]);
  });

  it('closes sub-pixel gaps and keeps short spans visible', () => {
    const spans = [{ start: D, end: D + H }, { start: D + H + 5000, end: D + 2 * H }, { start: D + 10 * H, end: D + 10 * H + 1000 }];
    const rects = coverageRects(spans, { start: D, end: D + 24 * H }, 960);
    expect(rects).toHaveLength(2);
    expect(rects[0]).toEqual({ x: 0, w: 80, start: D, end: D + 2 * H });
    expect(rects[1].x).toBe(400);
    expect(rects[1].w).toBe(1);
  });

  it('finds the span at a time and the recordings to jump to', () => {
    const spans = [{ start: D + 3 * H, end: D + 4 * H }, { start: D + H, end: D + 2 * H }];
    expect(spanAt(spans, D + 90 * M)).toEqual({ start: D + H, end: D + 2 * H });
    expect(spanAt(spans, D + 2 * H)).toBeNull();
    expect(nextRecordingStart(spans, D)).toBe(D + H);
    expect(nextRecordingStart(spans, D + H)).toBe(D + 3 * H);
    expect(nextRecordingStart(spans, D + 3 * H)).toBeNull();
    // Inside a span: back to its start; right at its start: the one before.
    expect(prevRecordingStart(spans, D + 3 * H + 10 * M)).toBe(D + 3 * H);
    expect(prevRecordingStart(spans, D + 3 * H + 1000)).toBe(D + H);
    expect(prevRecordingStart(spans, D + 150 * M)).toBe(D + H);
    expect(prevRecordingStart(spans, D + H)).toBeNull();
  });
});
