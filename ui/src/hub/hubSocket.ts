/**
 * One WebSocket to the frame hub, whatever the endpoint (/v1/live,
 * /v1/playback): connects with the tile's pixel size and an endpoint-specific
 * query (re-read on every connect, so a reconnect resumes where the caller
 * is), sends `resize` and other control messages on the open socket (queued
 * while connecting), hands text and binary messages to the caller, and
 * reconnects with capped backoff when the socket closes unexpectedly or,
 * when frames are expected, none came for `stallMs`.
 */

export interface HubSocketOptions {
  hubUrl: string;
  token: string;
  /** Endpoint path, e.g. `/v1/live`. */
  path: string;
  /** Extra query parameters, evaluated at every (re)connect. */
  query: () => Record<string, string>;
  width: number;
  height: number;
  onText: (text: string) => void;
  onFrame: (data: ArrayBuffer) => void;
  /** The connection was lost; a reconnect follows after a backoff. */
  onLost: (reason: string) => void;
  /** With frames expected (see `expectFrames`), none for this long counts as lost. */
  stallMs?: number;
}

/** Delay before reconnect attempt n (0-based): 250 ms doubling, capped at 5 s. */
export function backoffMs(attempt: number): number {
  return Math.min(5000, 250 * 2 ** Math.min(attempt, 10));
}

export function hubUrlFor(hubUrl: string, path: string, params: Record<string, string>): string {
  const q = new URLSearchParams(params);
  return `${hubUrl.replace(/\/+$/, '')}${path}?${q.toString()}`;
}

/** Control messages kept while the socket is connecting. */
const MAX_QUEUED = 32;

export class HubSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private width: number;
  private height: number;
  private sentW = 0;
  private sentH = 0;
  private expecting = false;
  private lastFrameAt = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private queue: string[] = [];

  constructor(private readonly o: HubSocketOptions) {
    this.width = o.width;
    this.height = o.height;
  }

  start(): void {
    this.connect();
    if (this.o.stallMs) this.watchdog = setInterval(() => this.checkStall(), 1000);
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** Whether frames should be flowing now (arms the stall watchdog). */
  expectFrames(on: boolean): void {
    if (on && !this.expecting) this.lastFrameAt = Date.now();
    this.expecting = on;
  }

  /** Tell the hub the tile's new pixel size (no reconnect). */
  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.sendSize();
  }

  /** Send a control message now, or once the socket opens. */
  send(msg: object): void {
    const text = JSON.stringify(msg);
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
    else if (!this.closed) this.queue = [...this.queue.slice(-(MAX_QUEUED - 1)), text];
  }

  close(): void {
    this.closed = true;
    this.queue = [];
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
    const params = { token: this.o.token, ...this.o.query(), w: String(this.width), h: String(this.height) };
    const ws = new WebSocket(hubUrlFor(this.o.hubUrl, this.o.path, params));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.expecting = false;
    this.sentW = this.width;
    this.sentH = this.height;
    ws.onopen = () => {
      this.sendSize();
      const q = this.queue;
      this.queue = [];
      for (const m of q) ws.send(m);
    };
    ws.onmessage = (ev: MessageEvent) => {
      this.attempt = 0;
      if (typeof ev.data === 'string') {
        this.o.onText(ev.data);
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
    this.expecting = false;
    // The query of the next connect carries the caller's current state.
    this.queue = [];
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    }
    const delay = backoffMs(this.attempt++);
    this.o.onLost(reason);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private checkStall(): void {
    const stall = this.o.stallMs;
    if (this.closed || !stall || !this.expecting || !this.ws) return;
    if (Date.now() - this.lastFrameAt > stall) this.lost(`no frames for ${stall / 1000} s`);
  }
}
