/**
 * Parser for the frame hub's binary messages (docs/hub-protocol.md, v1):
 * a 32-byte little-endian header (magic "VGF1") followed by the picture.
 * Never throws: malformed input yields `{ ok: false, error }`.
 */

export const HEADER_MIN = 32;

export const PixelFormat = { I420: 1, NV12: 2, JPEG: 3 } as const;
export type PixelFormatCode = (typeof PixelFormat)[keyof typeof PixelFormat];

export interface FrameHeader {
  headerLength: number;
  format: PixelFormatCode;
  keyframe: boolean;
  /** Flag bit 1: the timestamp is the workstation's arrival time (live, no trustworthy camera capture time). */
  arrivalTime: boolean;
  flags: number;
  streamId: number;
  sequence: number;
  /** Capture/recording time, ms since the Unix epoch, UTC. */
  timestampMs: number;
  width: number;
  height: number;
  payloadLength: number;
}

export interface Frame extends FrameHeader {
  /** View onto the payload bytes (no copy). */
  payload: Uint8Array;
}

export type ParseResult = { ok: true; frame: Frame } | { ok: false; error: string };

const MAGIC = [0x56, 0x47, 0x46, 0x31]; // "VGF1"

/** Expected payload size for a given format and size, or null when variable (JPEG). */
export function expectedPayloadLength(format: number, width: number, height: number): number | null {
  if (format === PixelFormat.I420 || format === PixelFormat.NV12) {
    const cw = Math.ceil(width / 2);
    const ch = Math.ceil(height / 2);
    return width * height + 2 * cw * ch;
  }
  return null;
}

export function parseFrame(data: ArrayBuffer | Uint8Array): ParseResult {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < HEADER_MIN) return { ok: false, error: `short message (${bytes.byteLength} bytes)` };
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) return { ok: false, error: 'bad magic' };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(4, true);
  if (headerLength < HEADER_MIN) return { ok: false, error: `header length ${headerLength} < ${HEADER_MIN}` };
  if (headerLength > bytes.byteLength) return { ok: false, error: 'header longer than message' };
  const format = view.getUint8(6);
  if (format !== PixelFormat.I420 && format !== PixelFormat.NV12 && format !== PixelFormat.JPEG) {
    return { ok: false, error: `unknown pixel format ${format}` };
  }
  const flags = view.getUint8(7);
  const streamId = view.getUint32(8, true);
  const sequence = view.getUint32(12, true);
  const ts = view.getBigInt64(16, true);
  const width = view.getUint16(24, true);
  const height = view.getUint16(26, true);
  const payloadLength = view.getUint32(28, true);
  if (width === 0 || height === 0) return { ok: false, error: 'zero size' };
  if (bytes.byteLength - headerLength < payloadLength) return { ok: false, error: 'truncated payload' };
  const expected = expectedPayloadLength(format, width, height);
  if (expected !== null && payloadLength < expected) {
    return { ok: false, error: `payload ${payloadLength} < ${expected} for ${width}x${height}` };
  }
  return {
    ok: true,
    frame: {
      headerLength,
      format: format as PixelFormatCode,
      keyframe: (flags & 1) === 1,
      arrivalTime: (flags & 2) === 2,
      flags,
      streamId,
      sequence,
      timestampMs: Number(ts),
      width,
      height,
      payloadLength,
      payload: bytes.subarray(headerLength, headerLength + payloadLength),
    },
  };
}

/** Build a frame message (used by tests and tools). */
export function encodeFrame(h: Omit<FrameHeader, 'headerLength' | 'payloadLength' | 'keyframe' | 'arrivalTime'> & { payload: Uint8Array; headerLength?: number }): Uint8Array {
  const headerLength = h.headerLength ?? HEADER_MIN;
  const out = new Uint8Array(headerLength + h.payload.byteLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, headerLength, true);
  view.setUint8(6, h.format);
  view.setUint8(7, h.flags);
  view.setUint32(8, h.streamId, true);
  view.setUint32(12, h.sequence, true);
  view.setBigInt64(16, BigInt(h.timestampMs), true);
  view.setUint16(24, h.width, true);
  view.setUint16(26, h.height, true);
  view.setUint32(28, h.payload.byteLength, true);
  out.set(h.payload, headerLength);
  return out;
}
