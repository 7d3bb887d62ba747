/**
 * 2D-canvas fallback renderer for machines without WebGL2: converts I420 to
 * RGBA in JS into a reused ImageData, then scales it letterboxed.
 */
import type { Renderer } from './renderer';
import { i420ToRgba, letterbox, type Planes } from './yuv';

export function createCanvas2dRenderer(canvas: HTMLCanvasElement): Renderer {
  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('no 2D canvas context');
  const scratch = document.createElement('canvas');
  const sctx = scratch.getContext('2d');
  if (!sctx) throw new Error('no 2D canvas context');
  let image: ImageData | null = null;

  const fillBlack = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  const blit = (src: CanvasImageSource, w: number, h: number) => {
    fillBlack();
    const r = letterbox(w, h, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(src, 0, 0, w, h, r.x, r.y, r.w, r.h);
  };

  return {
    kind: '2d',
    drawPlanes(p: Planes) {
      if (!image || image.width !== p.width || image.height !== p.height) {
        image = new ImageData(p.width, p.height);
        scratch.width = p.width;
        scratch.height = p.height;
      }
      i420ToRgba(p, image.data);
      sctx.putImageData(image, 0, 0);
      blit(scratch, p.width, p.height);
    },
    drawBitmap(b: ImageBitmap) {
      blit(b, b.width, b.height);
    },
    clear: fillBlack,
    dispose() {
      image = null;
    },
  };
}
