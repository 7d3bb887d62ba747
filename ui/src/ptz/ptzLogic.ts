/**
 * Pure PTZ logic (no React, no IPC): gamepad dead zone and axis mapping, the
 * keyboard map of a selected PTZ tile, and the hold controller that keeps a
 * continuous move alive while held and always ends it with one stop.
 */
import type { PtzStep } from '../ipc';
import type { PtzCaps } from '../sites/sitesIpc';

export interface Velocity { pan: number; tilt: number; zoom: number }
export const ZERO: Velocity = { pan: 0, tilt: 0, zoom: 0 };

/** The UI re-sends a held move this often; the engine stops after ~1 s of silence. */
export const KEEPALIVE_MS = 300;
export const DEAD_ZONE = 0.15;

/** Values inside the dead zone are 0; outside, rescaled so the edge of the zone is 0 and full travel is ±1. */
export function applyDeadZone(v: number, dz = DEAD_ZONE): number {
  if (!Number.isFinite(v)) return 0;
  const a = Math.min(1, Math.abs(v));
  if (a <= dz) return 0;
  return Math.sign(v) * Number(((a - dz) / (1 - dz)).toFixed(3));
}

/**
 * Standard-mapping gamepad: left stick x = pan, left stick y = tilt (up is
 * negative on a gamepad, positive in PTZ), right stick y = zoom (up = in).
 */
export function gamepadVelocity(axes: readonly number[], dz = DEAD_ZONE): Velocity {
  const ax = (i: number) => applyDeadZone(axes[i] ?? 0, dz);
  const flip = (x: number) => (x === 0 ? 0 : -x);
  return { pan: ax(0), tilt: flip(ax(1)), zoom: flip(ax(3)) };
}

export function isZero(v: Velocity): boolean {
  return v.pan === 0 && v.tilt === 0 && v.zoom === 0;
}

export function sameVelocity(a: Velocity, b: Velocity): boolean {
  return a.pan === b.pan && a.tilt === b.tilt && a.zoom === b.zoom;
}

export const DIRECTIONS = {
  up: { pan: 0, tilt: 1, zoom: 0 },
  down: { pan: 0, tilt: -1, zoom: 0 },
  left: { pan: -1, tilt: 0, zoom: 0 },
  right: { pan: 1, tilt: 0, zoom: 0 },
  upLeft: { pan: -1, tilt: 1, zoom: 0 },
  upRight: { pan: 1, tilt: 1, zoom: 0 },
  downLeft: { pan: -1, tilt: -1, zoom: 0 },
  downRight: { pan: 1, tilt: -1, zoom: 0 },
  zoomIn: { pan: 0, tilt: 0, zoom: 1 },
  zoomOut: { pan: 0, tilt: 0, zoom: -1 },
} satisfies Record<string, Velocity>;
export type Direction = keyof typeof DIRECTIONS;

export type PtzKeyAction =
  | { kind: 'step'; step: PtzStep }
  | { kind: 'hold'; direction: Direction; key: string }
  | { kind: 'home' }
  | { kind: 'preset'; index: number };

export interface PtzKeyInput { key: string; shiftKey?: boolean; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean }

const ARROWS: Record<string, PtzStep & Direction> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };

/**
 * Keys on a selected PTZ tile: arrows step, Shift+arrows hold-to-move,
 * +/- zoom (Shift holds), H home, digits go to preset N (only when
 * `digits` is on: the pad is open, otherwise digits select tiles).
 */
export function ptzKey(e: PtzKeyInput, digits: boolean): PtzKeyAction | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  const arrow = ARROWS[e.key];
  if (arrow) return e.shiftKey ? { kind: 'hold', direction: arrow, key: e.key } : { kind: 'step', step: arrow };
  if (e.key === '+' || e.key === '=') return { kind: 'step', step: 'zoomIn' };
  if (e.key === '-' || e.key === '_') return { kind: 'step', step: 'zoomOut' };
  if (e.key === 'h' || e.key === 'H') return { kind: 'home' };
  if (digits && /^[1-9]$/.test(e.key)) return { kind: 'preset', index: Number(e.key) };
  return null;
}

/** Whether the camera can do what a key asks (a step needs steps, a hold continuous moves, ...). */
export function ptzKeyAllowed(a: PtzKeyAction, caps: PtzCaps): boolean {
  switch (a.kind) {
    case 'step':
      return caps.step;
    case 'hold':
      return caps.continuous;
    case 'home':
      return caps.home;
    case 'preset':
      return caps.presets;
  }
}

export interface Timers {
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (id: unknown) => void;
}

const realTimers: Timers = {
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (id) => globalThis.clearInterval(id as ReturnType<typeof setInterval>),
};

/**
 * A held move: `start` sends the move at once and again every KEEPALIVE_MS;
 * `update` changes the velocity (a zero velocity stops); `stop` sends exactly
 * one stop if a move was running. Safe to call stop from every "let go"
 * event (pointer up, leave, cancel, blur, unmount).
 */
export class HoldController {
  private timer: unknown = null;
  private v: Velocity = ZERO;

  constructor(
    private readonly send: (v: Velocity) => void,
    private readonly sendStop: () => void,
    private readonly timers: Timers = realTimers,
    private readonly keepaliveMs = KEEPALIVE_MS,
  ) {}

  get moving(): boolean {
    return this.timer !== null;
  }

  start(v: Velocity): void {
    if (isZero(v)) return this.stop();
    this.v = v;
    this.send(v);
    if (this.timer === null) this.timer = this.timers.setInterval(() => this.send(this.v), this.keepaliveMs);
  }

  update(v: Velocity): void {
    if (isZero(v)) this.stop();
    else if (!this.moving || !sameVelocity(v, this.v)) this.start(v);
  }

  stop(): void {
    if (this.timer === null) return;
    this.timers.clearInterval(this.timer);
    this.timer = null;
    this.v = ZERO;
    this.sendStop();
  }
}
