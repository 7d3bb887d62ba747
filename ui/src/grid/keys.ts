/** Keyboard mapping for the grid: digits select a tile, F full screen, Esc restore. */
import type { GridAction, GridState } from './gridState';

export interface KeyInput { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean }

export function keyToAction(e: KeyInput, s: GridState): GridAction | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  if (/^[1-9]$/.test(e.key)) {
    const tile = Number(e.key) - 1;
    return tile < s.grid ? { type: 'select', tile } : null;
  }
  if (e.key === 'f' || e.key === 'F') return { type: 'toggleFullscreen' };
  if (e.key === 'Escape') return s.maximized !== null || s.fullscreen ? { type: 'restore' } : null;
  return null;
}

/** True when the key event comes from a text field or dialog, where grid keys must not fire. */
export function isTypingTarget(t: EventTarget | null): boolean {
  if (!t || typeof (t as HTMLElement).closest !== 'function') return false;
  const el = t as HTMLElement;
  return !!el.closest('input, textarea, select, [contenteditable="true"], dialog, [role="dialog"]');
}
