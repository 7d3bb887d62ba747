/**
 * Which renderer the grid draws with. `?canvas2d` forces the 2D canvas and
 * `?webgl` WebGL2 (benchmarks and tests); otherwise the app's hint
 * (`window.__VIGIL_RENDER__`, set before the page loads: `'2d'` on a Linux
 * machine without a GPU render node, where WebGL would run in software at
 * three times the CPU of the 2D canvas), else WebGL2 where available.
 */
export type RenderChoice = '2d' | 'auto';

declare global {
  interface Window {
    __VIGIL_RENDER__?: string;
  }
}

export function renderChoice(search: string, hint: unknown): RenderChoice {
  const q = new URLSearchParams(search);
  if (q.has('canvas2d')) return '2d';
  if (q.has('webgl')) return 'auto';
  return hint === '2d' ? '2d' : 'auto';
}

/** The choice for this page. */
export function pageRenderChoice(): RenderChoice {
  return renderChoice(window.location.search, window.__VIGIL_RENDER__);
}
