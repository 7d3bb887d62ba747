/**
 * Torn-out windows (a second monitor): Tauri commands of
 * src-tauri/src/window_commands.rs. `TornWindow` mirrors the engine's
 * `ui_state::TornWindow` (serde camelCase).
 */
import { invoke } from '@tauri-apps/api/core';
import type { Layout } from '../ipc';

export interface TornWindow {
  /** `tearout-N`: the Tauri window label. */
  label: string;
  layout: Layout;
  fullscreen: boolean;
}

/** The label of the window this page runs in ("main" outside Tauri). */
export function currentWindowLabel(): string {
  const w = window as unknown as { __TAURI_INTERNALS__?: { metadata?: { currentWindow?: { label?: string } } } };
  return w.__TAURI_INTERNALS__?.metadata?.currentWindow?.label ?? 'main';
}

/** Whether this page runs in a torn-out window. */
export const isTornWindow = (label = currentWindowLabel()) => /^tearout-\d{1,4}$/.test(label);

export const windowsIpc = {
  /** Opens `layout` in a new window; its label. */
  tearOut: (layout: Layout) => invoke<string>('tear_out', { layout }),
  /** This window's saved state (null in the main window). */
  tornWindow: () => invoke<TornWindow | null>('torn_window'),
  listTornWindows: () => invoke<TornWindow[]>('list_torn_windows'),
  saveTornLayout: (layout: Layout) => invoke<null>('save_torn_layout', { layout }),
  /** Toggles full screen of this window; whether it is full screen now. */
  toggleFullscreen: () => invoke<boolean>('toggle_window_fullscreen'),
  close: () => invoke<null>('close_torn_window'),
};

/** A one-tile layout showing `camera` (a tile torn out on its own). */
export const singleTile = (camera: string): Layout => ({ grid: 1, tiles: [camera] });
