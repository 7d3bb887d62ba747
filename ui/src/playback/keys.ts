/**
 * Keyboard mapping of the playback view: Space play/pause, Left/Right step
 * one frame, Shift+Left/Right seek 10 s, [ and ] speed down/up, Home/End
 * start/end of the day.
 */

export type PlaybackKeyAction =
  | { type: 'togglePlay' }
  | { type: 'step'; frames: 1 | -1 }
  | { type: 'seekBy'; ms: number }
  | { type: 'speedStep'; dir: 1 | -1 }
  | { type: 'dayStart' }
  | { type: 'dayEnd' };

export interface PlaybackKeyInput {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
}

export const SHIFT_SEEK_MS = 10_000;

export function playbackKeyAction(e: PlaybackKeyInput): PlaybackKeyAction | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  switch (e.key) {
    case ' ':
    case 'Spacebar':
      return { type: 'togglePlay' };
    case 'ArrowLeft':
      return e.shiftKey ? { type: 'seekBy', ms: -SHIFT_SEEK_MS } : { type: 'step', frames: -1 };
    case 'ArrowRight':
      return e.shiftKey ? { type: 'seekBy', ms: SHIFT_SEEK_MS } : { type: 'step', frames: 1 };
    case '[':
      return { type: 'speedStep', dir: -1 };
    case ']':
      return { type: 'speedStep', dir: 1 };
    case 'Home':
      return { type: 'dayStart' };
    case 'End':
      return { type: 'dayEnd' };
    default:
      return null;
  }
}
