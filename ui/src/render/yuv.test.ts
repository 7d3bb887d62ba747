import { describe, expect, it } from 'vitest';
import { i420ToRgba, letterbox, splitPlanes } from './yuv';

describe('i420ToRgba', () => {
  it('converts a tiny known 2x2 image (BT.601 limited range)', () => {
    // Each case: one 2x2 block, Y uniform, U/V one sample.
    const cases: [number, number, number, number[]][] = [
      [16, 128, 128, [0, 0, 0]], // black
      [235, 128, 128, [255, 255, 255]], // white
      [81, 90, 240, [255, 0, 0]], // red
      [145, 54, 34, [0, 255, 0]], // green
      [41, 240, 110, [0, 0, 255]], // blue
    ];
    for (const [Y, U, V, rgb] of cases) {
      const payload = new Uint8Array([Y, Y, Y, Y, U, V]);
      const out = i420ToRgba(splitPlanes(payload, 2, 2));
      for (let px = 0; px < 4; px++) {
        for (let c = 0; c < 3; c++) expect(Math.abs(out[px * 4 + c] - rgb[c])).toBeLessThanOrEqual(2);
        expect(out[px * 4 + 3]).toBe(255);
      }
    }
  });

  it('uses the right chroma sample per 2x2 block', () => {
    // 4x2 image: left block neutral grey, right block red-ish.
    const y = [126, 126, 81, 81, 126, 126, 81, 81];
    const payload = new Uint8Array([...y, 128, 90, 128, 240]);
    const out = i420ToRgba(splitPlanes(payload, 4, 2));
    expect(out[0]).toBe(out[1]); // grey: R == G
    expect(out[2 * 4]).toBeGreaterThan(250); // red at x=2
    expect(out[2 * 4 + 1]).toBeLessThan(5);
  });

  it('de-interleaves NV12', () => {
    const payload = new Uint8Array([81, 81, 81, 81, 90, 240]);
    const p = splitPlanes(payload, 2, 2, true);
    expect([p.u[0], p.v[0]]).toEqual([90, 240]);
  });
});

describe('letterbox', () => {
  it('fits 16:9 into 4:3 with bars top and bottom', () => {
    expect(letterbox(1920, 1080, 400, 300)).toEqual({ x: 0, y: 37, w: 400, h: 225 });
  });
  it('fits 4:3 into 16:9 with bars left and right', () => {
    expect(letterbox(640, 480, 1600, 900)).toEqual({ x: 200, y: 0, w: 1200, h: 900 });
  });
  it('handles zero sizes', () => {
    expect(letterbox(0, 0, 10, 10).w).toBe(0);
  });
});
