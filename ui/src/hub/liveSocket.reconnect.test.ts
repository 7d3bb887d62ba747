import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveSocket, type HubStatus } from './liveSocket';

class FakeWs {
  static CONNECTING = 0;
  static OPEN = 1;
  static all: FakeWs[] = [];
  readyState = FakeWs.CONNECTING;
  binaryType = 'blob';
  sent: string[] = [];
  closedWith: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeWs.all.push(this);
  }
  send(s: string) { this.sent.push(s); }
  close(code: number) { this.closedWith = code; this.readyState = 3; }
  open() { this.readyState = FakeWs.OPEN; this.onopen?.(); }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
}

describe('LiveSocket', () => {
  beforeEach(() => {
    FakeWs.all = [];
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeWs);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const make = () => {
    const statuses: HubStatus[] = [];
    const frames: ArrayBuffer[] = [];
    const s = new LiveSocket({ hubUrl: 'ws://127.0.0.1:1', token: 't', camera: 'c', width: 480, height: 270, onStatus: (x) => statuses.push(x), onFrame: (f) => frames.push(f) });
    s.start();
    return { s, statuses, frames };
  };

  it('connects with the size, uses arraybuffer, routes status and frames', () => {
    const { statuses, frames } = make();
    const ws = FakeWs.all[0];
    expect(ws.url).toContain('w=480&h=270');
    expect(ws.binaryType).toBe('arraybuffer');
    ws.open();
    ws.onmessage?.({ data: '{"type":"status","stream":"sub","state":"live","reason":null}' });
    ws.onmessage?.({ data: new ArrayBuffer(8) });
    expect(statuses).toEqual([{ state: 'live', stream: 'sub', reason: null }]);
    expect(frames).toHaveLength(1);
  });

  it('sends resize on the open socket without reconnecting', () => {
    const { s } = make();
    FakeWs.all[0].open();
    s.resize(960, 540);
    s.resize(960, 540);
    expect(FakeWs.all).toHaveLength(1);
    expect(FakeWs.all[0].sent).toEqual(['{"type":"resize","width":960,"height":540}']);
  });

  it('reconnects with backoff after an unexpected close, with the latest size', () => {
    const { s, statuses } = make();
    FakeWs.all[0].open();
    s.resize(960, 540);
    FakeWs.all[0].drop();
    expect(statuses.at(-1)?.state).toBe('reconnecting');
    vi.advanceTimersByTime(249);
    expect(FakeWs.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWs.all).toHaveLength(2);
    expect(FakeWs.all[1].url).toContain('w=960&h=540');
    FakeWs.all[1].drop();
    vi.advanceTimersByTime(499);
    expect(FakeWs.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeWs.all).toHaveLength(3);
  });

  it('treats a stalled live stream as lost', () => {
    const { statuses } = make();
    const ws = FakeWs.all[0];
    ws.open();
    ws.onmessage?.({ data: '{"type":"status","stream":"sub","state":"live","reason":null}' });
    vi.advanceTimersByTime(5000);
    ws.onmessage?.({ data: new ArrayBuffer(8) });
    vi.advanceTimersByTime(9000);
    expect(FakeWs.all).toHaveLength(1);
    vi.advanceTimersByTime(3000);
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'no frames for 10 s' });
    expect(ws.closedWith).toBe(1000);
    vi.advanceTimersByTime(300);
    expect(FakeWs.all).toHaveLength(2);
  });

  it('does not reconnect after close(); closes a connecting socket once open', () => {
    const { s } = make();
    s.close();
    const ws = FakeWs.all[0];
    expect(ws.closedWith).toBeNull();
    ws.open();
    expect(ws.closedWith).toBe(1000);
    vi.advanceTimersByTime(10_000);
    expect(FakeWs.all).toHaveLength(1);
  });
});
