import { describe, expect, it } from 'vitest';
import { encodeFrame, parseFrame, PixelFormat } from './frame';

function i420(w: number, h: number): Uint8Array {
  return new Uint8Array(w * h + 2 * (w / 2) * (h / 2)).fill(7);
}

const base = { format: PixelFormat.I420, flags: 1, streamId: 9, sequence: 42, timestampMs: 1_700_000_000_123, width: 4, height: 2 };

describe('parseFrame', () => {
  it('parses a well-formed I420 frame', () => {
    const msg = encodeFrame({ ...base, payload: i420(4, 2) });
    const r = parseFrame(msg.buffer as ArrayBuffer);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.frame).toMatchObject({
      headerLength: 32, format: 1, keyframe: true, streamId: 9, sequence: 42,
      timestampMs: 1_700_000_000_123, width: 4, height: 2, payloadLength: 12,
    });
    expect(r.frame.payload.byteLength).toBe(12);
    expect(r.frame.payload[0]).toBe(7);
    expect(r.frame.arrivalTime).toBe(false);
  });

  it('reads the arrival-time flag (bit 1)', () => {
    const r = parseFrame(encodeFrame({ ...base, flags: 3, payload: i420(4, 2) }));
    expect(r.ok && r.frame.keyframe && r.frame.arrivalTime).toBe(true);
  });

  it('reads little-endian fields at the documented offsets', () => {
    const b = new Uint8Array(32 + 3);
    b.set([0x56, 0x47, 0x46, 0x31, 32, 0, 3, 0, 1, 2, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    const v = new DataView(b.buffer);
    v.setBigInt64(16, -5n, true);
    b.set([0x80, 0x07, 0x38, 0x04, 3, 0, 0, 0], 24);
    const r = parseFrame(b);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.frame.format).toBe(PixelFormat.JPEG);
    expect(r.frame.keyframe).toBe(false);
    expect(r.frame.streamId).toBe(0x0201);
    expect(r.frame.sequence).toBe(0xffffffff);
    expect(r.frame.timestampMs).toBe(-5);
    expect(r.frame.width).toBe(1920);
    expect(r.frame.height).toBe(1080);
    expect(r.frame.payloadLength).toBe(3);
  });

  it('skips unknown extra header bytes', () => {
    const msg = encodeFrame({ ...base, headerLength: 40, payload: i420(4, 2) });
    const r = parseFrame(msg);
    expect(r.ok && r.frame.headerLength === 40 && r.frame.payload[0] === 7).toBe(true);
  });

  it('accepts a view with a non-zero byte offset', () => {
    const msg = encodeFrame({ ...base, payload: i420(4, 2) });
    const padded = new Uint8Array(msg.byteLength + 5);
    padded.set(msg, 5);
    expect(parseFrame(padded.subarray(5)).ok).toBe(true);
  });

  it('rejects a wrong magic without throwing', () => {
    const msg = encodeFrame({ ...base, payload: i420(4, 2) });
    msg[0] = 0x58;
    expect(parseFrame(msg)).toEqual({ ok: false, error: 'bad magic' });
  });

  it('rejects short and empty messages', () => {
    expect(parseFrame(new ArrayBuffer(0)).ok).toBe(false);
    expect(parseFrame(new Uint8Array([0x56, 0x47, 0x46, 0x31])).ok).toBe(false);
    const msg = encodeFrame({ ...base, payload: i420(4, 2) });
    expect(parseFrame(msg.subarray(0, 31)).ok).toBe(false);
  });

  it('rejects a truncated payload', () => {
    const msg = encodeFrame({ ...base, payload: i420(4, 2) });
    expect(parseFrame(msg.subarray(0, msg.byteLength - 1)).ok).toBe(false);
  });

  it('rejects an I420 payload smaller than the picture', () => {
    const msg = encodeFrame({ ...base, payload: new Uint8Array(5) });
    expect(parseFrame(msg).ok).toBe(false);
  });

  it('rejects bad header length, unknown format and zero size', () => {
    const a = encodeFrame({ ...base, payload: i420(4, 2) });
    a[4] = 8;
    expect(parseFrame(a).ok).toBe(false);
    const b = encodeFrame({ ...base, payload: i420(4, 2) });
    b[4] = 0xff; b[5] = 0xff;
    expect(parseFrame(b).ok).toBe(false);
    const c = encodeFrame({ ...base, payload: i420(4, 2) });
    c[6] = 9;
    expect(parseFrame(c).ok).toBe(false);
    const d = encodeFrame({ ...base, width: 0, payload: new Uint8Array(0) });
    expect(parseFrame(d).ok).toBe(false);
  });
});
