/**
 * Renderer contract shared by the WebGL2 and 2D-canvas paths, and the factory
 * that picks WebGL2 when available and falls back to 2D otherwise.
 */
import type { Planes } from './yuv';
import { createGlRenderer } from './glRenderer';
import { createCanvas2dRenderer } from './canvas2dRenderer';

export interface Renderer {
  readonly kind: 'webgl2' | '2d';
  /** Draw an I420 picture letterboxed into the whole canvas. */
  drawPlanes(p: Planes): void;
  /** Draw a decoded picture (JPEG path) letterboxed into the whole canvas. */
  drawBitmap(b: ImageBitmap): void;
  /** Fill the canvas black. */
  clear(): void;
  dispose(): void;
}

export function createRenderer(canvas: HTMLCanvasElement, prefer: 'auto' | '2d' = 'auto'): Renderer {
  if (prefer === 'auto') {
    const gl = createGlRenderer(canvas);
    if (gl) return gl;
  }
  return createCanvas2dRenderer(canvas);
}
