import { describe, expect, it } from 'vitest';
import { parseTiming, timingBadges } from './frameTiming';

describe('frame timing', () => {
  it('parses the hub status timing and refuses malformed ones', () => {
    expect(parseTiming({ source: 'capture', camera_offset_ms: 312 })).toEqual({ source: 'capture', cameraOffsetMs: 312 });
    expect(parseTiming({ source: 'arrival_no_report', camera_offset_ms: null })).toEqual({ source: 'arrival_no_report', cameraOffsetMs: null });
    expect(parseTiming({ source: 'arrival_no_report' })).toEqual({ source: 'arrival_no_report', cameraOffsetMs: null });
    expect(parseTiming({ source: 'sundial', camera_offset_ms: 1 })).toBeNull();
    expect(parseTiming(null)).toBeNull();
    expect(parseTiming(['capture'])).toBeNull();
  });
  it('shows nothing for capture time with a close clock', () => {
    expect(timingBadges(null)).toEqual([]);
    expect(timingBadges({ source: 'capture', cameraOffsetMs: 312 })).toEqual([]);
    expect(timingBadges({ source: 'capture', cameraOffsetMs: -4999 })).toEqual([]);
    expect(timingBadges({ source: 'capture', cameraOffsetMs: null })).toEqual([]);
  });
  it('shows arrival time with its reason', () => {
    const b = timingBadges({ source: 'arrival_no_report', cameraOffsetMs: null });
    expect(b.map((x) => x.label)).toEqual(['arrival time']);
    expect(b[0].title).toMatch(/no RTCP sender reports.*when frames arrived/);
  });
  it('shows a far-off camera clock with the exact offset', () => {
    // workstation minus camera = -90 312 ms: the camera is 90 s ahead
    const b = timingBadges({ source: 'arrival_clock_off', cameraOffsetMs: -90_312 });
    expect(b.map((x) => x.key)).toEqual(['arrival', 'clock']);
    expect(b[0].title).toMatch(/clock is more than 5 s off/);
    expect(b[1].label).toBe('clock +90 s');
    expect(b.map((x) => x.short)).toEqual(['arrival', '+90 s']);
    expect(b[1].title).toContain('90.312 s ahead of');
    expect(b[1].title).toContain('-90312 ms');
    expect(timingBadges({ source: 'arrival_clock_off', cameraOffsetMs: 3_600_000 })[1].label).toBe('clock -60 min');
    expect(timingBadges({ source: 'arrival_clock_off', cameraOffsetMs: 7_200_000 })[1].label).toBe('clock -2 h');
  });
});
