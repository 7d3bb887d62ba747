import { describe, expect, it } from 'vitest';
import { clipRange, formatRange, formatUtc } from './bookmarkFormat';

describe('bookmark format', () => {
  it('formats UTC with milliseconds', () => {
    expect(formatUtc(Date.UTC(2026, 10, 30, 16, 20, 5, 123))).toBe('2026-11-30 16:20:05.123 UTC');
  });
  it('formats a range relative to the moment, none without one', () => {
    expect(formatRange({ atMs: 10_000, fromMs: 0, toMs: 15_000 })).toBe('−10 s … +5 s');
    expect(formatRange({ atMs: 10_000, fromMs: null, toMs: null })).toBe('');
  });
  it('exports the range, else the moment ± 5 s', () => {
    expect(clipRange({ atMs: 10_000, fromMs: 1, toMs: 2 })).toEqual([1, 2]);
    expect(clipRange({ atMs: 10_000, fromMs: null, toMs: null })).toEqual([5_000, 15_000]);
  });
});
