/**
 * What a camera can do, for showing only the controls that work: PTZ kinds
 * (continuous, step, presets, home) and playback speeds. A camera without
 * `capabilities` (an engine before sites) keeps today's behaviour: the full
 * PTZ pad when `ptz` is set, every speed. `CamerasContext` hands the camera
 * list to deep components (tiles, the transport bar) without prop drilling.
 */
import { createContext } from 'react';
import type { Camera } from '../ipc';
import type { PtzCaps } from './sitesIpc';

export const NO_PTZ: PtzCaps = { continuous: false, step: false, presets: false, home: false };
export const FULL_PTZ: PtzCaps = { continuous: true, step: true, presets: true, home: true };

/** The PTZ a camera offers; an unknown camera (no list at hand) is taken as a full PTZ. */
export function ptzCapsOf(camera: Camera | undefined): PtzCaps {
  if (!camera) return FULL_PTZ;
  if (camera.capabilities) return camera.capabilities.ptz;
  return camera.ptz ? FULL_PTZ : NO_PTZ;
}

export function hasAnyPtz(c: PtzCaps): boolean {
  return c.continuous || c.step || c.presets || c.home;
}

/**
 * Speeds offered for a group of cameras playing together: the defaults,
 * cut to the speeds every camera lists (cameras with an empty list accept
 * the defaults), without reverse when one of them cannot play backwards.
 * Never empty: 1x stays.
 */
export function speedsFor(cameras: (Camera | undefined)[], defaults: readonly number[]): number[] {
  let out = [...defaults];
  for (const c of cameras) {
    const caps = c?.capabilities;
    if (!caps || !caps.playback) continue; // a live-only camera plays nothing: it narrows nothing
    if (caps.speeds.length > 0) {
      const listed = caps.speeds;
      out = out.filter((s) => listed.includes(s));
    }
    if (!caps.reverse) out = out.filter((s) => s > 0);
  }
  if (!out.includes(1)) out.push(1);
  return out.sort((a, b) => a - b);
}

/** The cameras by id, for tiles and the transport bar (empty: nothing known, defaults apply). */
export const CamerasContext = createContext<ReadonlyMap<string, Camera>>(new Map());
