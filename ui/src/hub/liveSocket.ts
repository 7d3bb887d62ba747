/**
 * One tile's live stream (/v1/live) over a `HubSocket`: parses the hub's
 * status messages, arms the stall watchdog while the stream is live (no frame
 * for STALL_MS counts as lost) and reports reconnects as a status.
 */
import { HubSocket, hubUrlFor } from './hubSocket';
import { parseEvents, type LiveEventFlags } from '../tile/liveEvents';
import { parseTiming, type FrameTiming } from '../tile/frameTiming';

export { backoffMs } from './hubSocket';

/** `pin_required`: the site's login waits for a second-step PIN (the tile offers to enter it). */
export type HubState = 'connecting' | 'live' | 'reconnecting' | 'auth_failed' | 'pin_required' | 'stopped' | 'error';

export interface HubStatus {
  state: HubState;
  stream: 'main' | 'sub' | null;
  reason: string | null;
  /** The stream's live events where the VMS reports them (absent: none said). */
  events?: LiveEventFlags | null;
  /** Live: capture or arrival time and the camera clock's offset (absent: the source does not say). */
  timing?: FrameTiming | null;
}

export interface LiveSocketOptions {
  hubUrl: string;
  token: string;
  camera: string;
  width: number;
  height: number;
  onStatus: (s: HubStatus) => void;
  onFrame: (data: ArrayBuffer) => void;
}

const STATES: readonly string[] = ['connecting', 'live', 'reconnecting', 'auth_failed', 'pin_required', 'stopped', 'error'];

/** Parse a hub text message into a JSON object with a string `type`, or null. */
export function parseMessage(text: string): Record<string, unknown> | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) return null;
  const o = m as Record<string, unknown>;
  return typeof o.type === 'string' ? o : null;
}

/** Parse a hub text message into a live status, or null if it is not one. */
export function parseStatus(text: string): HubStatus | null {
  const o = parseMessage(text);
  if (!o || o.type !== 'status' || typeof o.state !== 'string' || !STATES.includes(o.state)) return null;
  const events = parseEvents(o.events);
  const timing = parseTiming(o.timing);
  return {
    state: o.state as HubState,
    stream: o.stream === 'main' || o.stream === 'sub' ? o.stream : null,
    reason: typeof o.reason === 'string' ? o.reason : null,
    ...(events ? { events } : {}),
    ...(timing ? { timing } : {}),
  };
}

export function liveUrl(hubUrl: string, token: string, camera: string, w: number, h: number): string {
  return hubUrlFor(hubUrl, '/v1/live', { token, camera, w: String(w), h: String(h) });
}

/** A live stream with no frame for this long counts as lost. */
export const STALL_MS = 10_000;

export class LiveSocket {
  private readonly socket: HubSocket;

  constructor(o: LiveSocketOptions) {
    this.socket = new HubSocket({
      hubUrl: o.hubUrl,
      token: o.token,
      path: '/v1/live',
      query: () => ({ camera: o.camera }),
      width: o.width,
      height: o.height,
      stallMs: STALL_MS,
      onFrame: o.onFrame,
      onText: (text) => {
        const s = parseStatus(text);
        if (!s) return;
        this.socket.expectFrames(s.state === 'live');
        o.onStatus(s);
      },
      onLost: (reason) => o.onStatus({ state: 'reconnecting', stream: null, reason }),
    });
  }

  start(): void {
    this.socket.start();
  }

  /** Tell the hub the tile's new pixel size (no reconnect). */
  resize(width: number, height: number): void {
    this.socket.resize(width, height);
  }

  close(): void {
    this.socket.close();
  }
}
