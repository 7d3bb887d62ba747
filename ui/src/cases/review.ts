/** The playback layout for reviewing a case: its cameras in the smallest grid that holds them. */
import type { GridSize, Layout } from '../ipc';

export function reviewLayout(cameras: string[]): Layout {
  const grid: GridSize = cameras.length <= 1 ? 1 : cameras.length <= 4 ? 4 : cameras.length <= 9 ? 9 : 16;
  const tiles: (string | null)[] = cameras.slice(0, grid);
  while (tiles.length < grid) tiles.push(null);
  return { grid, tiles };
}
