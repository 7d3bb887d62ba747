/**
 * The timeline's hover picture: asks the engine for the thumbnail of a
 * camera at a time once the pointer rests (debounced), at a time quantum
 * that follows the zoom (no more than a few requests per pixel run), and
 * drops answers that come back after the pointer moved on. The engine
 * caches (LRU) and decodes on bounded workers, so playback is never blocked.
 */
import { useEffect, useRef, useState } from 'react';
import { bookmarksIpc, type Thumbnail } from '../bookmarks/bookmarksIpc';

/** The pointer must rest this long before a thumbnail is asked for. */
export const THUMB_DEBOUNCE_MS = 120;

export type ThumbState =
  | { state: 'loading'; camera: string; t: number }
  | { state: 'shown'; camera: string; t: number; thumb: Thumbnail }
  | { state: 'none'; camera: string; t: number; reason: string };

/** The time asked for: `t` rounded to a quantum of at least 1 s or 3 pixels of the view. */
export function thumbTime(t: number, msPerPixel: number): number {
  const q = Math.max(1000, Math.ceil((msPerPixel * 3) / 1000) * 1000);
  return Math.floor(t / q) * q;
}

export function useThumbnail(camera: string | null, t: number | null, msPerPixel: number): ThumbState | null {
  const [shown, setShown] = useState<ThumbState | null>(null);
  const seq = useRef(0);
  const at = t === null ? null : thumbTime(t, msPerPixel);
  useEffect(() => {
    const n = ++seq.current;
    if (!camera || at === null) {
      setShown(null);
      return;
    }
    if (at > Date.now()) {
      setShown({ state: 'none', camera, t: at, reason: 'Not recorded yet' });
      return;
    }
    setShown((s) => (s && s.camera === camera && s.t === at ? s : { state: 'loading', camera, t: at }));
    const timer = setTimeout(() => {
      bookmarksIpc.timelineThumbnail(camera, at).then(
        (thumb) => n === seq.current && setShown({ state: 'shown', camera, t: at, thumb }),
        (e: { message?: string }) => n === seq.current && setShown({ state: 'none', camera, t: at, reason: e?.message ?? 'No picture' }),
      );
    }, THUMB_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [camera, at]);
  return shown;
}
