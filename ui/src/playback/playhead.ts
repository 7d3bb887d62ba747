/**
 * Where playback is, from what the engine sends: anchored on the recording
 * time of the newest frame (header timestamp) or `clock` message, and
 * extrapolated at the current speed for a short while between them. After a
 * local seek, frames still in flight from before it are ignored until the
 * engine's `clock` confirms the seek (or a timeout passes). Controls carry a
 * sequence number and the engine's clock messages the highest one applied
 * (`ack`): a clock message sent before the engine saw a control the UI just
 * gave is stale and ignored, so it cannot undo the control on screen (a
 * paused view flipping back to playing, or a speed reverting).
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
  /** The last control sent (its seq) and when, until a clock message acknowledges it. */
  private pendingAck: { seq: number; at: number } | null = null;
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

  /** A control numbered `seq` was sent at `now`. */
  expectAck(seq: number, now: number): void {
    this.pendingAck = { seq, at: now };
  }

  /** Whether a clock message predates the last control sent (within the confirm window). */
  isStale(c: ClockMsg, now: number): boolean {
    const p = this.pendingAck;
    if (p === null) return false;
    if (c.ack >= p.seq || now - p.at > SEEK_CONFIRM_MS) {
      this.pendingAck = null;
      return false;
    }
    return true;
  }

  onClock(c: ClockMsg, now: number): void {
    if (this.isStale(c, now)) return;
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
