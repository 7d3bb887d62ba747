/**
 * Pure grid state: layout size, tile assignments, selection, maximize and
 * full screen. One reducer, no side effects (the caller does fullscreen/IPC).
 */
import type { GridSize, Layout } from '../ipc';

export const GRID_SIZES: readonly GridSize[] = [1, 4, 9, 16];

export interface GridState {
  grid: GridSize;
  tiles: (string | null)[];
  selected: number;
  /** Index of the maximized tile, or null. */
  maximized: number | null;
  fullscreen: boolean;
}

export type GridAction =
  | { type: 'load'; layout: Layout }
  | { type: 'setGrid'; grid: GridSize }
  | { type: 'assign'; tile: number; camera: string }
  | { type: 'assignSelected'; camera: string }
  | { type: 'clear'; tile: number }
  | { type: 'select'; tile: number }
  | { type: 'toggleMaximize'; tile: number }
  | { type: 'toggleFullscreen' }
  | { type: 'restore' }
  | { type: 'removeCamera'; camera: string };

export function isGridSize(n: unknown): n is GridSize {
  return n === 1 || n === 4 || n === 9 || n === 16;
}

export function columns(grid: GridSize): number {
  return Math.sqrt(grid);
}

function fit(tiles: (string | null)[], grid: GridSize): (string | null)[] {
  const out: (string | null)[] = tiles.slice(0, grid).map((t) => (typeof t === 'string' && t ? t : null));
  while (out.length < grid) out.push(null);
  return out;
}

export function initialGridState(layout?: Layout): GridState {
  const grid = layout && isGridSize(layout.grid) ? layout.grid : 4;
  return { grid, tiles: fit(layout?.tiles ?? [], grid), selected: 0, maximized: null, fullscreen: false };
}

export function toLayout(s: GridState): Layout {
  return { grid: s.grid, tiles: [...s.tiles] };
}

const inRange = (s: GridState, i: number) => Number.isInteger(i) && i >= 0 && i < s.grid;

export function gridReducer(s: GridState, a: GridAction): GridState {
  switch (a.type) {
    case 'load':
      return initialGridState(a.layout);
    case 'setGrid': {
      if (!isGridSize(a.grid) || a.grid === s.grid) return s;
      return { grid: a.grid, tiles: fit(s.tiles, a.grid), selected: Math.min(s.selected, a.grid - 1), maximized: null, fullscreen: false };
    }
    case 'assign': {
      if (!inRange(s, a.tile)) return s;
      const tiles = [...s.tiles];
      tiles[a.tile] = a.camera;
      return { ...s, tiles };
    }
    case 'assignSelected': {
      const tiles = [...s.tiles];
      tiles[s.selected] = a.camera;
      return { ...s, tiles, selected: (s.selected + 1) % s.grid };
    }
    case 'clear': {
      if (!inRange(s, a.tile) || s.tiles[a.tile] === null) return s;
      const tiles = [...s.tiles];
      tiles[a.tile] = null;
      return { ...s, tiles };
    }
    case 'select':
      return inRange(s, a.tile) ? { ...s, selected: a.tile } : s;
    case 'toggleMaximize': {
      if (!inRange(s, a.tile)) return s;
      if (s.maximized === a.tile) return { ...s, maximized: null, fullscreen: false };
      return { ...s, selected: a.tile, maximized: a.tile };
    }
    case 'toggleFullscreen':
      if (s.fullscreen) return { ...s, fullscreen: false, maximized: null };
      return { ...s, fullscreen: true, maximized: s.selected };
    case 'restore':
      if (s.maximized === null && !s.fullscreen) return s;
      return { ...s, maximized: null, fullscreen: false };
    case 'removeCamera': {
      if (!s.tiles.includes(a.camera)) return s;
      return { ...s, tiles: s.tiles.map((t) => (t === a.camera ? null : t)) };
    }
  }
}
