// The VTC1 timecode (../shared/TIMECODE.md) of the picture an element
// shows on the X screen: the pixels the operator sees, read with
// ImageMagick's `import` (the page cannot read a cross-origin <video>
// itself: its canvas would be tainted). For window tests that check a
// player shows the frame its label names.
import { execFileSync } from 'node:child_process';

/** CRC-8/SMBUS (poly 0x07, init 0) of `bytes`. */
export function crc8(bytes) {
  let c = 0;
  for (const b of bytes) {
    c ^= b;
    for (let i = 0; i < 8; i += 1) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

/** The timestamp (ms) of 64 cell bits, or null when the sync byte or CRC is wrong. */
export function decodeBits(bits) {
  const byte = (k) => bits.slice(k * 8, k * 8 + 8).reduce((a, b) => (a << 1) | b, 0);
  if (byte(0) !== 0xb2) return null;
  const ts = [1, 2, 3, 4, 5, 6].map(byte);
  if (crc8(ts) !== byte(7)) return null;
  return ts.reduce((a, b) => a * 256 + b, 0);
}

/** The client area's top-left of the X window titled exactly `title`, on the root window. */
export function windowOrigin(title) {
  const id = execFileSync('xdotool', ['search', '--onlyvisible', '--name', `^${title}$`], { encoding: 'utf8' }).trim().split('\n')[0];
  const info = execFileSync('xwininfo', ['-id', id], { encoding: 'utf8' });
  const num = (label) => Number(new RegExp(`${label}:\\s+(-?\\d+)`).exec(info)?.[1]);
  return { x: num('Absolute upper-left X'), y: num('Absolute upper-left Y') };
}

/**
 * The picture box of `<video>` (object-fit: contain) in page pixels, the
 * element scrolled into view first: page JS run by WebDriver (`w.run`) for
 * the element matched by `selector`.
 */
export async function videoPictureRect(w, selector) {
  return w.run(`const v = document.querySelector(${JSON.stringify(selector)});
    if (!v || !v.videoWidth) return null;
    v.scrollIntoView({ block: 'nearest' });
    const r = v.getBoundingClientRect();
    const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const pw = v.videoWidth * s, ph = v.videoHeight * s;
    return { x: r.left + (r.width - pw) / 2, y: r.top + (r.height - ph) / 2, width: pw, height: ph, srcWidth: v.videoWidth, dpr: window.devicePixelRatio || 1 };`);
}

/**
 * Reads VTC1 from the screen inside `rect` (page pixels, from
 * videoPictureRect) of the window at `origin`: null when the strip does not
 * read (no timecode shown, never a guess).
 */
export function readScreenVtc1(origin, rect) {
  const k = rect.dpr;
  const x0 = Math.round(origin.x + rect.x * k);
  const y0 = Math.round(origin.y + rect.y * k);
  const width = Math.max(64, Math.round(rect.width * k));
  const srcCell = Math.floor(rect.srcWidth / 64);
  const cell = (srcCell * width) / rect.srcWidth; // one cell on the screen, in screen pixels
  const height = Math.max(1, Math.ceil(cell));
  const raw = execFileSync('import', ['-window', 'root', '-crop', `${width}x${height}+${x0}+${y0}`, '-depth', '8', 'rgb:-'], { maxBuffer: 1 << 24 });
  const yc = Math.min(height - 1, Math.floor(cell / 2));
  const bits = [];
  for (let i = 0; i < 64; i += 1) {
    const xc = Math.min(width - 1, Math.floor((i + 0.5) * cell));
    const p = (yc * width + xc) * 3;
    bits.push((raw[p] + raw[p + 1] + raw[p + 2]) / 3 >= 128 ? 1 : 0);
  }
  return decodeBits(bits);
}
