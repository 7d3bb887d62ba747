/**
 * One tile's playback stream (/v1/playback, docs/hub-protocol.md "Playback
 * sockets") over a `HubSocket`: builds the query from the caller's current
 * clock (so a reconnect resumes where playback was), parses `status` and
 * `clock` messages and sends the control messages (seek, pause, play, speed,
 * step).
 */
import { HubSocket } from './hubSocket';
import { parseMessage } from './liveSocket';

export type PlaybackState = 'connecting' | 'playing' | 'paused' | 'no_recording' | 'gap_skipped' | 'ended' | 'error' | 'reconnecting' | 'auth_failed';

export interface PlaybackStatus {
  state: PlaybackState;
  stream: 'main' | 'sub' | null;
  reason: string | null;
}

/** The (group's) playback clock as the engine reports it. */
export interface ClockMsg {
  /** Recording time at the moment of sending, ms UTC. */
  position: number;
  speed: number;
  paused: boolean;
  /** The highest control `seq` the engine's group had applied when it sent this (0: none). */
  ack: number;
}

export type PlaybackControl =
  | { type: 'seek'; at: number }
  | { type: 'pause' }
  | { type: 'play' }
  | { type: 'speed'; speed: number }
  | { type: 'step'; frames: 1 | -1 };

/** Where a (re)connecting socket starts. */
export interface StartParams {
  at: number;
  speed: number;
  paused: boolean;
}

const STATES: readonly string[] = ['connecting', 'playing', 'paused', 'no_recording', 'gap_skipped', 'ended', 'error', 'reconnecting', 'auth_failed'];

export type PlaybackMessage = { kind: 'status'; status: PlaybackStatus } | { kind: 'clock'; clock: ClockMsg };

/** Parse a playback socket's text message; null for anything unknown. */
export function parsePlaybackMessage(text: string): PlaybackMessage | null {
  const o = parseMessage(text);
  if (!o) return null;
  if (o.type === 'status' && typeof o.state === 'string' && STATES.includes(o.state)) {
    return {
      kind: 'status',
      status: {
        state: o.state as PlaybackState,
        stream: o.stream === 'main' || o.stream === 'sub' ? o.stream : null,
        reason: typeof o.reason === 'string' ? o.reason : o.reason && typeof o.reason === 'object' ? JSON.stringify(o.reason) : null,
      },
    };
  }
  if (o.type === 'clock' && typeof o.position === 'number' && Number.isFinite(o.position) && typeof o.speed === 'number') {
    const ack = typeof o.ack === 'number' && Number.isFinite(o.ack) ? o.ack : 0;
    return { kind: 'clock', clock: { position: o.position, speed: o.speed, paused: o.paused === true, ack } };
  }
  return null;
}

/** The endpoint-specific query of a playback socket. */
export function playbackQuery(camera: string, start: StartParams, group: string | null): Record<string, string> {
  const q: Record<string, string> = { camera, at: String(Math.round(start.at)), speed: String(start.speed) };
  if (group) q.group = group;
  if (start.paused) q.paused = '1';
  return q;
}

export interface PlaybackSocketOptions {
  hubUrl: string;
  token: string;
  camera: string;
  width: number;
  height: number;
  /** Group id shared by synchronized tiles, or null for an own clock. */
  group: string | null;
  /** Called at every (re)connect: where playback is now. */
  start: () => StartParams;
  onStatus: (s: PlaybackStatus) => void;
  onClock: (c: ClockMsg) => void;
  onFrame: (data: ArrayBuffer) => void;
}

export class PlaybackSocket {
  private readonly socket: HubSocket;

  constructor(o: PlaybackSocketOptions) {
    this.socket = new HubSocket({
      hubUrl: o.hubUrl,
      token: o.token,
      path: '/v1/playback',
      query: () => playbackQuery(o.camera, o.start(), o.group),
      width: o.width,
      height: o.height,
      onFrame: o.onFrame,
      onText: (text) => {
        const m = parsePlaybackMessage(text);
        if (m?.kind === 'status') o.onStatus(m.status);
        else if (m?.kind === 'clock') o.onClock(m.clock);
      },
      onLost: (reason) => o.onStatus({ state: 'reconnecting', stream: null, reason }),
    });
  }

  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  start(): void {
    this.socket.start();
  }

  resize(width: number, height: number): void {
    this.socket.resize(width, height);
  }

  send(c: PlaybackControl & { seq?: number }): void {
    this.socket.send(c);
  }

  close(): void {
    this.socket.close();
  }
}
