/**
 * One tile's WebSocket to the frame hub (/v1/live): connects with the tile's
 * pixel size, sends `resize` messages on the open socket, reports status
 * messages and binary frames, and reconnects with capped backoff when the
 * socket closes unexpectedly (e.g. the hub restarted) or when a live stream
 * stalls (no frame for STALL_MS).
 */

export type HubState = 'connecting' | 'live' | 'reconnecting' | 'auth_failed' | 'stopped' | 'error';

export interface HubStatus {
  state: HubState;
  stream: 'main' | 'sub' | null;
  reason: string | null;
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

const STATES: readonly string[] = ['connecting', 'live', 'reconnecting', 'auth_failed', 'stopped', 'error'];

/** Parse a hub text message into a status, or null if it is not one. */
export function parseStatus(text: string): HubStatus | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  const o = m as Record<string, unknown>;
  if (o.type !== 'status' || typeof o.state !== 'string' || !STATES.includes(o.state)) return null;
  return {
    state: o.state as HubState,
    stream: o.stream === 'main' || o.stream === 'sub' ? o.stream : null,
    reason: typeof o.reason === 'string' ? o.reason : null,
  };
}

export function liveUrl(hubUrl: string, token: string, camera: string, w: number, h: number): string {
  const q = new URLSearchParams({ token, camera, w: String(w), h: String(h) });
  return `${hubUrl.replace(/\/+$/, '')}/v1/live?${q.toString()}`;
}

/** A live stream with no frame for this long counts as lost. */
export const STALL_MS = 10_000;

/** Delay before reconnect attempt n (0-based): 250 ms doubling, capped at 5 s. */
export function backoffMs(attempt: number): number {
  return Math.min(5000, 250 * 2 ** Math.min(attempt, 10));
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private width: number;
  private height: number;
  private sentW = 0;
  private sentH = 0;
  private live = false;
  private lastFrameAt = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly o: LiveSocketOptions) {
    this.width = o.width;
    this.height = o.height;
  }

  start(): void {
    this.connect();
    this.watchdog = setInterval(() => this.checkStall(), 1000);
  }

  /** Tell the hub the tile's new pixel size (no reconnect). */
  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.sendSize();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.timer = null;
    this.watchdog = null;
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    if (ws.readyState === WebSocket.CONNECTING) {
      // Closing while connecting logs a browser error; close once open instead.
      ws.onopen = () => ws.close(1000);
    } else {
      ws.onopen = null;
      ws.close(1000);
    }
  }

  private sendSize(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.width === this.sentW && this.height === this.sentH) return;
    ws.send(JSON.stringify({ type: 'resize', width: this.width, height: this.height }));
    this.sentW = this.width;
    this.sentH = this.height;
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(liveUrl(this.o.hubUrl, this.o.token, this.o.camera, this.width, this.height));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.live = false;
    this.sentW = this.width;
    this.sentH = this.height;
    ws.onopen = () => this.sendSize();
    ws.onmessage = (ev: MessageEvent) => {
      this.attempt = 0;
      if (typeof ev.data === 'string') {
        const s = parseStatus(ev.data);
        if (!s) return;
        if (s.state === 'live' && !this.live) this.lastFrameAt = Date.now();
        this.live = s.state === 'live';
        this.o.onStatus(s);
      } else if (ev.data instanceof ArrayBuffer) {
        this.lastFrameAt = Date.now();
        this.o.onFrame(ev.data);
      }
    };
    ws.onerror = () => {
      /* a close event follows */
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.closed || this.ws !== ws) return;
      this.lost(`hub connection closed (${ev.code})`);
    };
  }

  private lost(reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.live = false;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    }
    const delay = backoffMs(this.attempt++);
    this.o.onStatus({ state: 'reconnecting', stream: null, reason });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private checkStall(): void {
    if (this.closed || !this.live || !this.ws) return;
    if (Date.now() - this.lastFrameAt > STALL_MS) this.lost(`no frames for ${STALL_MS / 1000} s`);
  }
}
