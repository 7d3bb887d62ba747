/**
 * Where playback is, from what the engine sends: anchored on the recording
 * time of the newest frame (header timestamp) or `clock` message, and
 * extrapolated at the current speed for a short while between them. After a
 * local seek, frames still in flight from before it are ignored until the
 * engine's `clock` confirms the seek (or a timeout passes).
 */
import type { ClockMsg } from '../hub/playbackSocket';

/** Extrapolate at most this long past the last frame or clock message. */
export const MAX_EXTRAPOLATE_MS = 1500;
/** Give up waiting for the engine to confirm a seek after this long. */
export const SEEK_CONFIRM_MS = 2000;

export class Playhead {
  private anchorTs: number;
  private anchorWall: number;
  private pendingSeekAt: number | null = null;
  speed: number;
  paused: boolean;

  constructor(at: number, speed: number, paused: boolean, now: number) {
    this.anchorTs = at;
    this.anchorWall = now;
    this.speed = speed;
    this.paused = paused;
  }

  /** The recording time shown at wall time `now`. */
  position(now: number): number {
    if (this.paused || this.pendingSeekAt !== null) return this.anchorTs;
    const dt = Math.min(Math.max(now - this.anchorWall, 0), MAX_EXTRAPOLATE_MS);
    return this.anchorTs + dt * this.speed;
  }

  /** True while a local seek waits for the engine's confirmation. */
  seeking(now: number): boolean {
    if (this.pendingSeekAt !== null && now - this.pendingSeekAt > SEEK_CONFIRM_MS) this.pendingSeekAt = null;
    return this.pendingSeekAt !== null;
  }

  onFrame(ts: number, now: number): void {
    if (this.seeking(now)) return;
    this.anchorTs = ts;
    this.anchorWall = now;
  }

  onClock(c: ClockMsg, now: number): void {
    this.pendingSeekAt = null;
    this.anchorTs = c.position;
    this.anchorWall = now;
    this.speed = c.speed;
    this.paused = c.paused;
  }

  /** A seek the UI just sent: show it at once. */
  seek(at: number, now: number): void {
    this.anchorTs = at;
    this.anchorWall = now;
    this.pendingSeekAt = now;
  }

  setPaused(paused: boolean, now: number): void {
    this.anchorTs = this.position(now);
    this.anchorWall = now;
    this.paused = paused;
  }

  setSpeed(speed: number, now: number): void {
    this.anchorTs = this.position(now);
    this.anchorWall = now;
    this.speed = speed;
  }
}
