/**
 * A live tile's frame timing (the hub's `status` message `timing`: whether
 * frame times are the camera's capture time or the workstation's arrival
 * time, and the camera clock's measured offset): parsed from the message and
 * turned into the compact badges the tile shows. Nothing when frames carry
 * capture time and the clock is close.
 */

export type TimeSource = 'capture' | 'arrival_no_report' | 'arrival_clock_off';

/** The hub's `timing` (docs/hub-protocol.md). */
export interface FrameTiming {
  source: TimeSource;
  /** Workstation minus camera, ms (with the smallest network delay seen); null until a sender report came. */
  cameraOffsetMs: number | null;
}

const SOURCES: readonly string[] = ['capture', 'arrival_no_report', 'arrival_clock_off'];

/** The `timing` object of a status message, or null when absent or malformed. */
export function parseTiming(v: unknown): FrameTiming | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.source !== 'string' || !SOURCES.includes(o.source)) return null;
  const off = o.camera_offset_ms;
  return { source: o.source as TimeSource, cameraOffsetMs: typeof off === 'number' && Number.isFinite(off) ? off : null };
}

/** An offset this large shows (the hub's own limit before it falls back to arrival time). */
export const LARGE_OFFSET_MS = 5_000;

export interface TimingBadge {
  key: 'arrival' | 'clock';
  label: string;
  /** The label on small tiles (a 16 grid). */
  short: string;
  title: string;
}

/** A short signed duration: "+90 s", "-12 min", "+3 h", "+2 d". */
function shortOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const s = Math.abs(ms) / 1000;
  if (s < 120) return `${sign}${Math.round(s)} s`;
  if (s < 7200) return `${sign}${Math.round(s / 60)} min`;
  if (s < 172_800) return `${sign}${Math.round(s / 3600)} h`;
  return `${sign}${Math.round(s / 86_400)} d`;
}

/** The badges to show: "arrival time" when frames carry arrival time, "clock ±N" when the camera's clock is far off. */
export function timingBadges(t: FrameTiming | null | undefined): TimingBadge[] {
  if (!t) return [];
  const out: TimingBadge[] = [];
  if (t.source !== 'capture') {
    const why =
      t.source === 'arrival_no_report'
        ? 'The camera sends no RTCP sender reports (or none yet)'
        : "The camera's clock is more than 5 s off";
    out.push({ key: 'arrival', label: 'arrival time', short: 'arrival', title: `${why}: frame times are when frames arrived at this workstation, not when the camera captured them.` });
  }
  const off = t.cameraOffsetMs;
  if (off !== null && Math.abs(off) >= LARGE_OFFSET_MS) {
    // the label is the camera's clock against ours: + ahead, - behind (the hub's offset is ours minus the camera's)
    const ahead = -off;
    const secs = (Math.abs(off) / 1000).toFixed(3);
    out.push({
      key: 'clock',
      label: `clock ${shortOffset(ahead)}`,
      short: shortOffset(ahead),
      title: `The camera's clock is ${secs} s ${ahead > 0 ? 'ahead of' : 'behind'} this workstation's (offset ${off} ms, workstation minus camera, including network delay).`,
    });
  }
  return out;
}
