import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parsePlaybackMessage, playbackQuery, PlaybackSocket, type PlaybackStatus, type StartParams } from './playbackSocket';

class FakeWs {
  static CONNECTING = 0;
  static OPEN = 1;
  static all: FakeWs[] = [];
  readyState = FakeWs.CONNECTING;
  binaryType = 'blob';
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeWs.all.push(this);
  }
  send(s: string) { this.sent.push(s); }
  close() { this.readyState = 3; }
  open() { this.readyState = FakeWs.OPEN; this.onopen?.(); }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
}

describe('playback socket messages', () => {
  it('parses status and clock messages', () => {
    expect(parsePlaybackMessage('{"type":"status","camera":"demo-1","stream":"main","state":"no_recording","reason":null}')).toEqual({
      kind: 'status',
      status: { state: 'no_recording', stream: 'main', reason: null },
    });
    expect(parsePlaybackMessage('{"type":"status","state":"gap_skipped","reason":{"from":1,"to":2}}')).toEqual({
      kind: 'status',
      status: { state: 'gap_skipped', stream: null, reason: '{"from":1,"to":2}' },
    });
    expect(parsePlaybackMessage('{"type":"clock","position":1763800000000,"speed":2,"paused":false}')).toEqual({
      kind: 'clock',
      clock: { position: 1763800000000, speed: 2, paused: false, ack: 0 },
    });
    expect(parsePlaybackMessage('{"type":"status","state":"live"}')).toBeNull();
    expect(parsePlaybackMessage('{"type":"clock","position":"x","speed":1}')).toBeNull();
    expect(parsePlaybackMessage('[1]')).toBeNull();
    expect(parsePlaybackMessage('nope')).toBeNull();
  });

  it('builds the query', () => {
    expect(playbackQuery('demo-1', { at: 1763800000000.4, speed: 0.5, paused: false }, null)).toEqual({ camera: 'demo-1', at: '1763800000000', speed: '0.5' });
    expect(playbackQuery('d', { at: 5, speed: -2, paused: true }, 'g1')).toEqual({ camera: 'd', at: '5', speed: '-2', group: 'g1', paused: '1' });
  });
});

describe('PlaybackSocket', () => {
  beforeEach(() => {
    FakeWs.all = [];
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeWs);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('connects to /v1/playback, queues controls until open, reconnects from the current position', () => {
    let start: StartParams = { at: 1000, speed: 1, paused: false };
    const statuses: PlaybackStatus[] = [];
    const clocks: number[] = [];
    const s = new PlaybackSocket({
      hubUrl: 'ws://127.0.0.1:9/',
      token: 't',
      camera: 'demo-2',
      width: 320,
      height: 180,
      group: 'grp',
      start: () => start,
      onStatus: (x) => statuses.push(x),
      onClock: (c) => clocks.push(c.position),
      onFrame: () => undefined,
    });
    s.start();
    const ws = FakeWs.all[0];
    expect(ws.url).toBe('ws://127.0.0.1:9/v1/playback?token=t&camera=demo-2&at=1000&speed=1&group=grp&w=320&h=180');
    expect(s.isOpen).toBe(false);
    s.send({ type: 'seek', at: 2000 });
    expect(ws.sent).toEqual([]);
    ws.open();
    expect(s.isOpen).toBe(true);
    expect(ws.sent).toEqual(['{"type":"seek","at":2000}']);
    s.send({ type: 'speed', speed: 4 });
    expect(ws.sent.at(-1)).toBe('{"type":"speed","speed":4}');
    ws.onmessage?.({ data: '{"type":"clock","position":2000,"speed":4,"paused":false}' });
    ws.onmessage?.({ data: '{"type":"status","state":"playing","stream":"sub","reason":null}' });
    expect(clocks).toEqual([2000]);
    expect(statuses).toEqual([{ state: 'playing', stream: 'sub', reason: null }]);
    start = { at: 7000, speed: 4, paused: true };
    ws.drop();
    expect(statuses.at(-1)?.state).toBe('reconnecting');
    vi.advanceTimersByTime(250);
    expect(FakeWs.all[1].url).toContain('at=7000&speed=4&group=grp&paused=1');
    // No stall watchdog: a paused playback sends no frames and that is fine.
    FakeWs.all[1].open();
    vi.advanceTimersByTime(60_000);
    expect(FakeWs.all).toHaveLength(2);
    s.close();
  });
});
