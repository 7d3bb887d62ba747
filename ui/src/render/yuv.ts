/**
 * Pure YUV helpers: plane split for I420/NV12, BT.601 limited-range YUV to
 * RGBA conversion (the 2D-canvas fallback), and letterbox geometry.
 */

export interface Planes { width: number; height: number; cw: number; ch: number; y: Uint8Array; u: Uint8Array; v: Uint8Array }

/** Split an I420 or NV12 payload into Y, U, V planes (NV12's UV is de-interleaved). */
export function splitPlanes(payload: Uint8Array, width: number, height: number, nv12 = false): Planes {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const ySize = width * height;
  const cSize = cw * ch;
  const y = payload.subarray(0, ySize);
  if (!nv12) {
    return { width, height, cw, ch, y, u: payload.subarray(ySize, ySize + cSize), v: payload.subarray(ySize + cSize, ySize + 2 * cSize) };
  }
  const u = new Uint8Array(cSize);
  const v = new Uint8Array(cSize);
  for (let i = 0, j = ySize; i < cSize; i++, j += 2) {
    u[i] = payload[j];
    v[i] = payload[j + 1];
  }
  return { width, height, cw, ch, y, u, v };
}

const clamp = (x: number) => (x < 0 ? 0 : x > 255 ? 255 : x);

/** BT.601 limited range (Y 16-235, C 16-240) to RGBA, written into `out` (w*h*4). */
export function i420ToRgba(p: Planes, out: Uint8ClampedArray | Uint8Array = new Uint8ClampedArray(p.width * p.height * 4)): Uint8ClampedArray | Uint8Array {
  const { width, height, cw, y, u, v } = p;
  let o = 0;
  for (let row = 0; row < height; row++) {
    const yRow = row * width;
    const cRow = (row >> 1) * cw;
    for (let col = 0; col < width; col++) {
      const c = 298 * (y[yRow + col] - 16);
      const ci = cRow + (col >> 1);
      const d = u[ci] - 128;
      const e = v[ci] - 128;
      out[o] = clamp((c + 409 * e + 128) >> 8);
      out[o + 1] = clamp((c - 100 * d - 208 * e + 128) >> 8);
      out[o + 2] = clamp((c + 516 * d + 128) >> 8);
      out[o + 3] = 255;
      o += 4;
    }
  }
  return out;
}

export interface Rect { x: number; y: number; w: number; h: number }

/** Largest rect with the source's aspect ratio centred in the destination. */
export function letterbox(srcW: number, srcH: number, dstW: number, dstH: number): Rect {
  if (srcW <= 0 || srcH <= 0 || dstW <= 0 || dstH <= 0) return { x: 0, y: 0, w: 0, h: 0 };
  const scale = Math.min(dstW / srcW, dstH / srcH);
  const w = Math.round(srcW * scale);
  const h = Math.round(srcH * scale);
  return { x: Math.floor((dstW - w) / 2), y: Math.floor((dstH - h) / 2), w, h };
}
