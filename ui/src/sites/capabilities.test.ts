import { describe, expect, it } from 'vitest';
import type { Camera } from '../ipc';
import type { Capabilities } from './sitesIpc';
import { FULL_PTZ, NO_PTZ, hasAnyPtz, ptzCapsOf, speedsFor } from './capabilities';
import { SPEEDS } from '../playback/speed';
import { ptzKey, ptzKeyAllowed } from '../ptz/ptzLogic';

const caps = (more: Partial<Capabilities> = {}): Capabilities => ({
  live: true,
  playback: true,
  reverse: true,
  speeds: [],
  export: true,
  snapshot_by_time: true,
  ptz: NO_PTZ,
  ...more,
});
// an engine before sites sent no capabilities: the cast stands for that
const cam = (ptz: boolean, capabilities?: Capabilities): Camera => ({ id: 'c', name: 'c', site: 's', site_name: 's', ptz, streams: [], capabilities }) as Camera;

describe('ptz capabilities', () => {
  it('keeps the full pad for a PTZ camera without capabilities, none for a fixed one', () => {
    expect(ptzCapsOf(cam(true))).toEqual(FULL_PTZ);
    expect(ptzCapsOf(cam(false))).toEqual(NO_PTZ);
    expect(ptzCapsOf(undefined)).toEqual(FULL_PTZ);
  });
  it('follows the capabilities when present', () => {
    const stepOnly = { ...NO_PTZ, step: true };
    expect(ptzCapsOf(cam(true, caps({ ptz: stepOnly })))).toEqual(stepOnly);
    expect(hasAnyPtz(NO_PTZ)).toBe(false);
    expect(hasAnyPtz(stepOnly)).toBe(true);
  });
  it('lets through only the keys the camera can do', () => {
    const stepOnly = { ...NO_PTZ, step: true };
    expect(ptzKeyAllowed(ptzKey({ key: 'ArrowUp' }, true)!, stepOnly)).toBe(true);
    expect(ptzKeyAllowed(ptzKey({ key: 'ArrowUp', shiftKey: true }, true)!, stepOnly)).toBe(false);
    expect(ptzKeyAllowed(ptzKey({ key: 'h' }, true)!, stepOnly)).toBe(false);
    expect(ptzKeyAllowed(ptzKey({ key: '3' }, true)!, stepOnly)).toBe(false);
    expect(ptzKeyAllowed(ptzKey({ key: '3' }, true)!, FULL_PTZ)).toBe(true);
  });
});

describe('speedsFor', () => {
  it('keeps every speed for cameras without capabilities or with an empty list', () => {
    expect(speedsFor([cam(false), undefined, cam(false, caps())], SPEEDS)).toEqual([...SPEEDS]);
  });
  it('cuts to the speeds every camera lists and drops reverse when one cannot', () => {
    const a = cam(false, caps({ speeds: [-2, -1, 1, 2, 4, 8] }));
    const b = cam(false, caps({ speeds: [1, 2, 4, 16], reverse: true }));
    expect(speedsFor([a, b], SPEEDS)).toEqual([1, 2, 4]);
    expect(speedsFor([a], SPEEDS)).toEqual([-2, -1, 1, 2, 4, 8]);
    expect(speedsFor([a, cam(false, caps({ reverse: false }))], SPEEDS)).toEqual([1, 2, 4, 8]);
  });
  it('ignores live-only cameras (nothing to play)', () => {
    expect(speedsFor([cam(false, caps({ playback: false, reverse: false, speeds: [1] }))], SPEEDS)).toEqual([...SPEEDS]);
  });
    it('always keeps 1x', () => {
    expect(speedsFor([cam(false, caps({ speeds: [2] })), cam(false, caps({ speeds: [4] }))], SPEEDS)).toEqual([1]);
  });
});
