/**
 * The renderer's own frame counters, per tile view: frames received from the
 * hub, drawn on screen, and dropped (replaced by a newer frame before they
 * were drawn, or malformed). Totals only grow (a camera change does not reset
 * them). `window.__vigilFrameStats()` returns a snapshot of every live view
 * with its tile, camera and sizes; the frames-drawn benchmark
 * (tests/ui/bench-frames.mjs) reads it over WebDriver.
 */

export interface FrameCounters {
  received: number;
  drawn: number;
  dropped: number;
}

export interface FrameStatsRow extends FrameCounters {
  /** The tile's number (data-tile) and kind (live or playback). */
  tile: string;
  kind: 'live' | 'playback' | 'other';
  camera: string;
  /** The last frame's size and the canvas's pixel size. */
  frameW: number;
  frameH: number;
  canvasW: number;
  canvasH: number;
}

interface Entry {
  counters: FrameCounters;
  element: () => HTMLElement;
  frameSize: () => [number, number];
  canvasSize: () => [number, number];
}

const entries = new Set<Entry>();

/** Register a view's counters; returns the function that forgets them. */
export function registerFrameStats(e: Entry): () => void {
  entries.add(e);
  return () => entries.delete(e);
}

/** A snapshot of every registered view. */
export function frameStats(): FrameStatsRow[] {
  const rows: FrameStatsRow[] = [];
  for (const e of entries) {
    const tile = e.element().closest<HTMLElement>('[data-tile]');
    const [frameW, frameH] = e.frameSize();
    const [canvasW, canvasH] = e.canvasSize();
    rows.push({
      ...e.counters,
      tile: tile?.dataset.tile ?? '',
      kind: tile?.classList.contains('pb-tile') ? 'playback' : tile?.classList.contains('tile') ? 'live' : 'other',
      camera: tile?.dataset.camera ?? '',
      frameW,
      frameH,
      canvasW,
      canvasH,
    });
  }
  return rows;
}

declare global {
  interface Window {
    __vigilFrameStats?: () => FrameStatsRow[];
  }
}

if (typeof window !== 'undefined') window.__vigilFrameStats = frameStats;
