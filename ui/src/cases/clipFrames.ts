/**
 * Frame-exact stepping and labelling for the clip player. The clip's frame
 * times come from its packets (the engine's `clip_frame_times`), so a step
 * shows the next real frame whatever the camera's rate, and the time under
 * the player names the frame on the screen.
 *
 * Engines disagree about which frame a seek between two frames shows:
 * GStreamer (WebKitGTK, the Linux webview) shows the first frame at or
 * after the seek time, Chromium (WebView2 on Windows) and AVFoundation the
 * last one at or before it. Seeking half a millisecond to the right side
 * of a frame's own time lands on that frame in each (see
 * docs/operator-window.md: the one-frame-late picture found by hand).
 */

/** Seconds either side of a frame time that still count as that frame. */
export const TOLERANCE_S = 0.001;
const NUDGE_S = 0.0005;
/** The grid used until the clip's frame times are known (the demo's rate). */
export const FALLBACK_FRAME_S = 1 / 15;

/** Frame times in seconds from the engine's microseconds (ascending). */
export function framesFromMicros(us: number[]): number[] {
  return us.filter((v) => Number.isFinite(v)).map((v) => v / 1e6).sort((a, b) => a - b);
}

/** `k` within the clip (any k >= 0 on the fallback grid). */
function clampFrame(frames: number[], k: number): number {
  return Math.min(Math.max(0, k), frames.length ? frames.length - 1 : Number.MAX_SAFE_INTEGER);
}

/** The index of the frame showing at `t` s: the last one starting at or before `t` (within TOLERANCE_S). */
export function frameAt(frames: number[], t: number): number {
  if (frames.length === 0) return clampFrame(frames, Math.floor((t + TOLERANCE_S) / FALLBACK_FRAME_S));
  let lo = 0;
  let hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frames[mid] <= t + TOLERANCE_S) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The time of frame `k` in seconds (clamped to the clip; the fallback grid without frame times). */
export function frameTime(frames: number[], k: number): number {
  const i = clampFrame(frames, k);
  return frames.length ? frames[i] : i * FALLBACK_FRAME_S;
}

/** Whether this webview's seeks show the first frame at or after the seek time (GStreamer: WebKitGTK on Linux). */
export function seeksSnapForward(userAgent: string): boolean {
  return /Linux/.test(userAgent) && !/Android|Chrome|Chromium|Edg\//.test(userAgent);
}

/** Where to seek so the picture shows frame `k` (clamped to the clip). */
export function seekTarget(frames: number[], k: number, snapForward: boolean): number {
  const t = frameTime(frames, k);
  return Math.max(0, snapForward ? t - NUDGE_S : t + NUDGE_S);
}

/** The frame a step of `dir` frames from time `t` lands on (clamped to the clip). */
export function stepFrom(frames: number[], t: number, dir: number): number {
  return clampFrame(frames, frameAt(frames, t) + dir);
}
