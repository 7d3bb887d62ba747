/** Playback speeds the engine accepts (negative = reverse) and stepping through them. */

export const SPEEDS: readonly number[] = [-4, -3, -2, -1, 0.5, 1, 2, 3, 4, 8, 16];

export function isSpeed(s: number): boolean {
  return SPEEDS.includes(s);
}

/** The next speed up (`dir` 1) or down (-1) from `s`; stays at the ends. */
export function stepSpeed(s: number, dir: 1 | -1): number {
  let i = SPEEDS.indexOf(s);
  if (i < 0) {
    // Not a listed speed: go to the nearest listed one in that direction.
    const up = SPEEDS.filter((x) => x > s);
    const down = SPEEDS.filter((x) => x < s);
    if (dir > 0) return up.length ? up[0] : SPEEDS[SPEEDS.length - 1];
    return down.length ? down[down.length - 1] : SPEEDS[0];
  }
  i = Math.min(Math.max(i + dir, 0), SPEEDS.length - 1);
  return SPEEDS[i];
}

export function speedLabel(s: number): string {
  if (s === 0.5) return '½×';
  return s < 0 ? `◀ ${-s}×` : `${s}×`;
}
