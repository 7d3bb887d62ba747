import { describe, expect, it } from 'vitest';
import { applyDeadZone, gamepadVelocity, HoldController, ptzKey, type Timers, type Velocity } from './ptzLogic';

function fakeTimers() {
  let fn: (() => void) | null = null;
  let n = 0;
  const t: Timers & { tick: () => void; active: () => boolean } = {
    setInterval: (f) => {
      fn = f;
      return ++n;
    },
    clearInterval: () => {
      fn = null;
    },
    tick: () => fn?.(),
    active: () => fn !== null,
  };
  return t;
}

describe('dead zone', () => {
  it('zeroes small deflections and rescales the rest to full travel', () => {
    expect(applyDeadZone(0.1, 0.15)).toBe(0);
    expect(applyDeadZone(-0.15, 0.15)).toBe(0);
    expect(applyDeadZone(1, 0.15)).toBe(1);
    expect(applyDeadZone(-1, 0.15)).toBe(-1);
    expect(applyDeadZone(0.575, 0.15)).toBe(0.5);
    expect(applyDeadZone(1.7, 0.15)).toBe(1);
    expect(applyDeadZone(Number.NaN)).toBe(0);
  });
  it('maps sticks to pan, tilt (up positive) and zoom', () => {
    expect(gamepadVelocity([1, -1, 0, -1])).toEqual({ pan: 1, tilt: 1, zoom: 1 });
    expect(gamepadVelocity([0.05, 0.1, 0, 0.02])).toEqual({ pan: 0, tilt: 0, zoom: 0 });
    expect(gamepadVelocity([])).toEqual({ pan: 0, tilt: 0, zoom: 0 });
  });
});

describe('keys', () => {
  it('arrows step, shift+arrows hold, +/- zoom, H home', () => {
    expect(ptzKey({ key: 'ArrowUp' }, false)).toEqual({ kind: 'step', step: 'up' });
    expect(ptzKey({ key: 'ArrowLeft', shiftKey: true }, false)).toEqual({ kind: 'hold', direction: 'left', key: 'ArrowLeft' });
    expect(ptzKey({ key: '+' }, false)).toEqual({ kind: 'step', step: 'zoomIn' });
    expect(ptzKey({ key: '-' }, false)).toEqual({ kind: 'step', step: 'zoomOut' });
    expect(ptzKey({ key: 'h' }, false)).toEqual({ kind: 'home' });
    expect(ptzKey({ key: 'ArrowUp', ctrlKey: true }, false)).toBeNull();
    expect(ptzKey({ key: 'x' }, true)).toBeNull();
  });
  it('digits go to presets only when the pad is open', () => {
    expect(ptzKey({ key: '3' }, true)).toEqual({ kind: 'preset', index: 3 });
    expect(ptzKey({ key: '3' }, false)).toBeNull();
  });
});

describe('hold controller', () => {
  it('sends the move, keeps it alive, and stops exactly once', () => {
    const sent: (Velocity | 'stop')[] = [];
    const t = fakeTimers();
    const c = new HoldController((v) => sent.push(v), () => sent.push('stop'), t, 300);
    const v = { pan: 1, tilt: 0, zoom: 0 };
    c.start(v);
    expect(sent).toEqual([v]);
    t.tick();
    t.tick();
    expect(sent).toEqual([v, v, v]);
    c.stop();
    c.stop(); // pointerleave after pointerup: no second stop
    expect(sent).toEqual([v, v, v, 'stop']);
    expect(t.active()).toBe(false);
  });
  it('stop without a move sends nothing; a zero update stops', () => {
    const sent: (Velocity | 'stop')[] = [];
    const t = fakeTimers();
    const c = new HoldController((v) => sent.push(v), () => sent.push('stop'), t, 300);
    c.stop();
    expect(sent).toEqual([]);
    c.update({ pan: 0.5, tilt: 0, zoom: 0 });
    c.update({ pan: 0.5, tilt: 0, zoom: 0 }); // unchanged: no extra send
    c.update({ pan: 0, tilt: 0, zoom: 0 });
    expect(sent).toEqual([{ pan: 0.5, tilt: 0, zoom: 0 }, 'stop']);
    expect(c.moving).toBe(false);
  });
});
