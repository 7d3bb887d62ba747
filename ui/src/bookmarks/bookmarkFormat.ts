/** Formatting of bookmark times and ranges, and a bookmark's clip range. */
import type { Bookmark } from './bookmarksIpc';

/** A bookmark without a range exports this much either side (the engine's AROUND_MS). */
export const AROUND_MS = 5_000;

/** `2026-11-30 16:20:05.123 UTC` */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/** `−10 s … +10 s`, or '' without a range. */
export function formatRange(b: Pick<Bookmark, 'atMs' | 'fromMs' | 'toMs'>): string {
  if (b.fromMs === null || b.toMs === null) return '';
  const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  return `−${s(b.atMs - b.fromMs)} … +${s(b.toMs - b.atMs)}`;
}

/** The range a bookmark's clip covers. */
export function clipRange(b: Pick<Bookmark, 'atMs' | 'fromMs' | 'toMs'>): [number, number] {
  if (b.fromMs !== null && b.toMs !== null) return [b.fromMs, b.toMs];
  return [b.atMs - AROUND_MS, b.atMs + AROUND_MS];
}
