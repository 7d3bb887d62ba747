import { describe, expect, it } from 'vitest';
import { thumbTime } from './useThumbnail';

describe('thumbnail time quantum', () => {
  it('is a second when zoomed in', () => {
    expect(thumbTime(12_345, 10)).toBe(12_000);
  });
  it('grows with the zoom (3 pixels of the view, whole seconds)', () => {
    // a day over 1000 px: 86.4 s per pixel, 260 s quantum
    expect(thumbTime(1_000_000, 86_400)).toBe(780_000);
  });
});
