import { describe, expect, it } from 'vitest';
import { frameAt, frameTime, framesFromMicros, seekTarget, seeksSnapForward, stepFrom } from './clipFrames';

// a 15 fps clip as the engine lists it: ms-rounded times (0, 66, 133, 200 ms ...)
const fifteen = framesFromMicros([0, 66_000, 133_000, 200_000, 266_000, 333_000]);
// 25 fps: a fixed 1/15 s step would skip and repeat frames
const twentyFive = framesFromMicros([40_000, 0, 80_000, 120_000, 160_000]);

/** What each engine shows after a seek to `t`: GStreamer the first frame at or after, others the last at or before. */
function shown(frames: number[], t: number, snapForward: boolean): number {
  if (snapForward) {
    const i = frames.findIndex((f) => f >= t);
    return i < 0 ? frames.length - 1 : i;
  }
  let k = 0;
  frames.forEach((f, i) => {
    if (f <= t) k = i;
  });
  return k;
}

describe('clip frames', () => {
  it('sorts the engine microseconds into seconds', () => {
    expect(twentyFive).toEqual([0, 0.04, 0.08, 0.12, 0.16]);
  });

  it('names the frame showing at a time, inside a frame and on its edge', () => {
    expect(frameAt(fifteen, 0)).toBe(0);
    expect(frameAt(fifteen, 0.0655)).toBe(1); // within the tolerance of 66 ms
    expect(frameAt(fifteen, 0.1)).toBe(1);
    expect(frameAt(fifteen, 0.1325)).toBe(2);
    expect(frameAt(fifteen, 9)).toBe(5);
    expect(frameAt(twentyFive, 0.115)).toBe(2);
  });

  it('seeks so each engine shows exactly the frame asked for, at every frame', () => {
    for (const frames of [fifteen, twentyFive]) {
      for (const snap of [true, false]) {
        frames.forEach((_, k) => {
          expect(shown(frames, seekTarget(frames, k, snap), snap)).toBe(k);
          expect(frameAt(frames, seekTarget(frames, k, snap))).toBe(k);
        });
      }
    }
  });

  it('the mid-frame seek of the old fixed step shows the wrong frame on GStreamer', () => {
    // the defect found by hand: paused at 0.535 s of a 15 fps clip, a step of 1/15 s
    const frames = framesFromMicros(Array.from({ length: 20 }, (_, i) => Math.floor((i * 1000) / 15) * 1000));
    const old = 0.535 + 1 / 15;
    expect(shown(frames, old, true)).toBe(frameAt(frames, old) + 1);
    const k = stepFrom(frames, 0.535, 1);
    expect(k).toBe(9);
    expect(shown(frames, seekTarget(frames, k, true), true)).toBe(9);
  });

  it('steps one frame either way and stops at the ends', () => {
    expect(stepFrom(twentyFive, 0.04, 1)).toBe(2);
    expect(stepFrom(twentyFive, 0.0395, -1)).toBe(0); // 0.0395 is frame 1 within the tolerance
    expect(stepFrom(twentyFive, 0, -1)).toBe(0);
    expect(stepFrom(twentyFive, 0.16, 1)).toBe(4);
    expect(frameTime(twentyFive, 9)).toBe(0.16);
  });

  it('falls back to the 15 fps grid until the frame times are known', () => {
    expect(frameAt([], 0.2)).toBe(3);
    expect(stepFrom([], 0.2, 1)).toBe(4);
    expect(seekTarget([], 0, true)).toBe(0);
  });

  it('knows which webviews snap forward', () => {
    expect(seeksSnapForward('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko)')).toBe(true);
    expect(seeksSnapForward('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0')).toBe(false);
    expect(seeksSnapForward('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toBe(false);
    expect(seeksSnapForward('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko)')).toBe(false);
  });
});
