/**
 * Playback speeds the engine accepts (negative = reverse), stepping through
 * them, and the speeds the cameras on screen allow (`PlaybackSpeedsContext`,
 * provided by the app from the cameras' capabilities; the full list when
 * nothing narrower is known).
 */
import { createContext } from 'react';

export const SPEEDS: readonly number[] = [-4, -3, -2, -1, 0.5, 1, 2, 3, 4, 8, 16];

export function isSpeed(s: number, list: readonly number[] = SPEEDS): boolean {
  return list.includes(s);
}

/** The next speed up (`dir` 1) or down (-1) from `s` in `list` (sorted); stays at the ends. */
export function stepSpeed(s: number, dir: 1 | -1, list: readonly number[] = SPEEDS): number {
  if (list.length === 0) return s;
  let i = list.indexOf(s);
  if (i < 0) {
    // Not a listed speed: go to the nearest listed one in that direction.
    const up = list.filter((x) => x > s);
    const down = list.filter((x) => x < s);
    if (dir > 0) return up.length ? up[0] : list[list.length - 1];
    return down.length ? down[down.length - 1] : list[0];
  }
  i = Math.min(Math.max(i + dir, 0), list.length - 1);
  return list[i];
}

export function speedLabel(s: number): string {
  if (s === 0.5) return '½×';
  return s < 0 ? `◀ ${-s}×` : `${s}×`;
}

/** The speeds the playback cameras allow (sorted, never empty). */
export const PlaybackSpeedsContext = createContext<readonly number[]>(SPEEDS);

/** The choices of the speed picker: the allowed speeds plus the current one if it is not among them (so it still shows). */
export function speedChoices(allowed: readonly number[], current: number): number[] {
  return allowed.includes(current) ? [...allowed] : [...allowed, current].sort((a, b) => a - b);
}
