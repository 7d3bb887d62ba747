/**
 * A playback group on the UI side: the tiles (sockets) that share one engine
 * clock, the playhead they report, and the controls. A control is applied to
 * the local playhead at once and sent once, to one member (the engine applies
 * it to the whole group); with no member yet, the next socket starts from the
 * group's state instead.
 */
import type { ClockMsg, PlaybackControl, StartParams } from '../hub/playbackSocket';
import { Playhead } from './playhead';

/** A control as sent: numbered, so the engine's clock messages can acknowledge it. */
export type SentControl = PlaybackControl & { seq: number };

export interface GroupMember {
  readonly isOpen: boolean;
  send(c: SentControl): void;
}

export interface GroupSnapshot {
  speed: number;
  paused: boolean;
}

let counter = 0;

/** A group id unique within this page (and unlikely to collide across windows). */
export function newGroupId(prefix = 'pb'): string {
  counter += 1;
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}-${counter}`;
}

export class PlaybackGroup {
  readonly playhead: Playhead;
  private members: GroupMember[] = [];
  private listeners = new Set<() => void>();
  private snap: GroupSnapshot;
  private seq = 0;

  constructor(readonly id: string, start: StartParams, now: number) {
    this.playhead = new Playhead(start.at, start.speed, start.paused, now);
    this.snap = { speed: start.speed, paused: start.paused };
  }

  get size(): number {
    return this.members.length;
  }

  /** Add a member; returns the function that removes it. */
  join(m: GroupMember): () => void {
    this.members.push(m);
    return () => {
      this.members = this.members.filter((x) => x !== m);
    };
  }

  /** Where a socket joining now starts. */
  startParams(now: number): StartParams {
    return { at: this.playhead.position(now), speed: this.playhead.speed, paused: this.playhead.paused };
  }

  /** Apply a control locally and send it once to the group. */
  control(c: PlaybackControl, now: number): void {
    const p = this.playhead;
    if (c.type === 'seek') p.seek(c.at, now);
    else if (c.type === 'pause') p.setPaused(true, now);
    else if (c.type === 'play') p.setPaused(false, now);
    else if (c.type === 'speed') p.setSpeed(c.speed, now);
    else if (c.type === 'step') p.setPaused(true, now);
    const target = this.members.find((m) => m.isOpen) ?? this.members[0];
    if (target) {
      this.seq += 1;
      p.expectAck(this.seq, now);
      target.send({ ...c, seq: this.seq });
    }
    this.emit();
  }

  onClock(c: ClockMsg, now: number): void {
    this.playhead.onClock(c, now);
    this.emit();
  }

  onFrame(ts: number, now: number): void {
    this.playhead.onFrame(ts, now);
  }

  /** For useSyncExternalStore: the same object until speed or pause changes. */
  snapshot = (): GroupSnapshot => this.snap;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  private emit(): void {
    const { speed, paused } = this.playhead;
    if (speed === this.snap.speed && paused === this.snap.paused) return;
    this.snap = { speed, paused };
    for (const fn of this.listeners) fn();
  }
}
