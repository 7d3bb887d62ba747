import { describe, expect, it } from 'vitest';
import { MAX_EXTRAPOLATE_MS, Playhead, SEEK_CONFIRM_MS } from './playhead';
import { PlaybackGroup, newGroupId, type GroupMember, type SentControl } from './group';

const T = Date.UTC(2026, 10, 20, 12);

describe('playhead', () => {
  it('follows frame timestamps and extrapolates briefly at the speed', () => {
    const p = new Playhead(T, 2, false, 1000);
    expect(p.position(1500)).toBe(T + 1000);
    p.onFrame(T + 4000, 3000);
    expect(p.position(3000)).toBe(T + 4000);
    expect(p.position(3100)).toBe(T + 4200);
    // No frames for a long while: the playhead stops instead of running away.
    expect(p.position(3000 + 60_000)).toBe(T + 4000 + 2 * MAX_EXTRAPOLATE_MS);
  });

  it('runs backwards in reverse and stands still when paused', () => {
    const p = new Playhead(T, -4, false, 0);
    expect(p.position(250)).toBe(T - 1000);
    p.setPaused(true, 250);
    expect(p.position(900)).toBe(T - 1000);
    p.setPaused(false, 1000);
    p.setSpeed(1, 1000);
    expect(p.position(1100)).toBe(T - 900);
  });

  it('ignores frames from before a seek until the engine confirms it', () => {
    const p = new Playhead(T, 1, false, 0);
    p.seek(T + 3_600_000, 100);
    p.onFrame(T + 150, 120); // in flight from before the seek
    expect(p.position(130)).toBe(T + 3_600_000);
    p.onClock({ position: T + 3_600_000, speed: 1, paused: false, ack: 0 }, 200);
    p.onFrame(T + 3_600_040, 240);
    expect(p.position(240)).toBe(T + 3_600_040);
  });

  it('stops waiting for a confirmation after a timeout', () => {
    const p = new Playhead(T, 1, false, 0);
    p.seek(T + 5000, 0);
    expect(p.seeking(SEEK_CONFIRM_MS - 1)).toBe(true);
    p.onFrame(T + 5040, SEEK_CONFIRM_MS + 1);
    expect(p.position(SEEK_CONFIRM_MS + 1)).toBe(T + 5040);
  });

  it('takes speed and pause from clock messages', () => {
    const p = new Playhead(T, 1, false, 0);
    p.onClock({ position: T + 10, speed: 16, paused: true, ack: 0 }, 10);
    expect(p.speed).toBe(16);
    expect(p.paused).toBe(true);
    expect(p.position(5000)).toBe(T + 10);
  });
});

class FakeMember implements GroupMember {
  sent: SentControl[] = [];
  constructor(public isOpen: boolean) {}
  send(c: SentControl) {
    this.sent.push(c);
  }
}

describe('playback group', () => {
  it('sends each control once, to an open member', () => {
    const g = new PlaybackGroup('g', { at: T, speed: 1, paused: false }, 0);
    const a = new FakeMember(false);
    const b = new FakeMember(true);
    const c = new FakeMember(true);
    g.join(a);
    g.join(b);
    const leaveC = g.join(c);
    g.control({ type: 'speed', speed: 4 }, 0);
    g.control({ type: 'seek', at: T + 1000 }, 0);
    expect(b.sent).toEqual([{ type: 'speed', speed: 4, seq: 1 }, { type: 'seek', at: T + 1000, seq: 2 }]);
    expect(a.sent).toEqual([]);
    expect(c.sent).toEqual([]);
    leaveC();
    expect(g.size).toBe(2);
    b.isOpen = false;
    g.control({ type: 'pause' }, 0);
    expect(a.sent).toEqual([{ type: 'pause', seq: 3 }]); // queued on the first member
  });

  it('starts new sockets from the group state and notifies on speed or pause changes', () => {
    const g = new PlaybackGroup(newGroupId(), { at: T, speed: 1, paused: false }, 0);
    let notified = 0;
    const unsub = g.subscribe(() => notified++);
    const before = g.snapshot();
    g.control({ type: 'speed', speed: -2 }, 1000);
    expect(g.snapshot()).toEqual({ speed: -2, paused: false });
    expect(g.snapshot()).not.toBe(before);
    g.control({ type: 'step', frames: 1 }, 1000);
    expect(g.snapshot().paused).toBe(true);
    expect(notified).toBe(2);
    expect(g.startParams(5000)).toEqual({ at: T + 1000, speed: -2, paused: true });
    g.onClock({ position: T + 500, speed: -2, paused: true, ack: 2 }, 5000);
    expect(notified).toBe(2); // nothing changed
    unsub();
    g.control({ type: 'play' }, 5000);
    expect(notified).toBe(2);
    expect(newGroupId()).not.toBe(newGroupId());
  });

  it('ignores a clock message sent before the engine applied the last control', () => {
    const g = new PlaybackGroup('g', { at: T, speed: 1, paused: false }, 0);
    const m = new FakeMember(true);
    g.join(m);
    g.control({ type: 'pause' }, 100);
    expect(m.sent).toEqual([{ type: 'pause', seq: 1 }]);
    // in flight before the pause reached the engine: playing, acknowledging nothing
    g.onClock({ position: T + 90, speed: 1, paused: false, ack: 0 }, 110);
    expect(g.snapshot().paused).toBe(true);
    expect(g.playhead.position(2000)).toBe(T + 100);
    // Space again must play, not pause a second time
    g.control({ type: g.playhead.paused ? 'play' : 'pause' }, 120);
    expect(m.sent.at(-1)).toEqual({ type: 'play', seq: 2 });
    // the engine's pause (ack 1) is older than the play: still stale
    g.onClock({ position: T + 100, speed: 1, paused: true, ack: 1 }, 130);
    expect(g.snapshot().paused).toBe(false);
    // the play's own clock message is taken, and later engine changes too (ack unchanged)
    g.onClock({ position: T + 100, speed: 1, paused: false, ack: 2 }, 140);
    g.onClock({ position: T + 5000, speed: 1, paused: true, ack: 2 }, 150);
    expect(g.snapshot().paused).toBe(true);
    expect(g.playhead.position(9000)).toBe(T + 5000);
  });

  it('takes clock messages again when the engine never acknowledges (an older engine)', () => {
    const g = new PlaybackGroup('g', { at: T, speed: 1, paused: false }, 0);
    g.join(new FakeMember(true));
    g.control({ type: 'speed', speed: 4 }, 0);
    g.onClock({ position: T, speed: 1, paused: false, ack: 0 }, SEEK_CONFIRM_MS - 1);
    expect(g.snapshot().speed).toBe(4);
    g.onClock({ position: T, speed: 2, paused: false, ack: 0 }, SEEK_CONFIRM_MS + 1);
    expect(g.snapshot().speed).toBe(2);
  });
});
