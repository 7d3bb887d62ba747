import { describe, expect, it } from 'vitest';
import { SPEEDS, speedLabel, stepSpeed } from './speed';
import { playbackKeyAction } from './keys';

describe('speed stepping', () => {
  it('walks the list and stays at the ends', () => {
    expect(stepSpeed(1, 1)).toBe(2);
    expect(stepSpeed(1, -1)).toBe(0.5);
    expect(stepSpeed(0.5, -1)).toBe(-1);
    expect(stepSpeed(-1, -1)).toBe(-2);
    expect(stepSpeed(16, 1)).toBe(16);
    expect(stepSpeed(-4, -1)).toBe(-4);
    expect(stepSpeed(5, 1)).toBe(8);
    expect(stepSpeed(5, -1)).toBe(4);
    expect(stepSpeed(100, 1)).toBe(16);
    expect(stepSpeed(-100, -1)).toBe(-4);
    let s = -4;
    const seen = [s];
    for (let i = 0; i < SPEEDS.length; i++) seen.push((s = stepSpeed(s, 1)));
    expect([...new Set(seen)]).toEqual(SPEEDS);
  });

  it('labels speeds', () => {
    expect(speedLabel(0.5)).toBe('½×');
    expect(speedLabel(16)).toBe('16×');
    expect(speedLabel(-2)).toBe('◀ 2×');
  });
});

describe('playback keys', () => {
  it('maps the documented keys', () => {
    expect(playbackKeyAction({ key: ' ' })).toEqual({ type: 'togglePlay' });
    expect(playbackKeyAction({ key: 'ArrowLeft' })).toEqual({ type: 'step', frames: -1 });
    expect(playbackKeyAction({ key: 'ArrowRight' })).toEqual({ type: 'step', frames: 1 });
    expect(playbackKeyAction({ key: 'ArrowLeft', shiftKey: true })).toEqual({ type: 'seekBy', ms: -10_000 });
    expect(playbackKeyAction({ key: 'ArrowRight', shiftKey: true })).toEqual({ type: 'seekBy', ms: 10_000 });
    expect(playbackKeyAction({ key: '[' })).toEqual({ type: 'speedStep', dir: -1 });
    expect(playbackKeyAction({ key: ']' })).toEqual({ type: 'speedStep', dir: 1 });
    expect(playbackKeyAction({ key: 'Home' })).toEqual({ type: 'dayStart' });
    expect(playbackKeyAction({ key: 'End' })).toEqual({ type: 'dayEnd' });
  });

  it('leaves other keys and modified keys alone', () => {
    expect(playbackKeyAction({ key: 'a' })).toBeNull();
    expect(playbackKeyAction({ key: '1' })).toBeNull();
    expect(playbackKeyAction({ key: 'ArrowLeft', ctrlKey: true })).toBeNull();
    expect(playbackKeyAction({ key: ' ', metaKey: true })).toBeNull();
    expect(playbackKeyAction({ key: 'Home', altKey: true })).toBeNull();
  });
});
