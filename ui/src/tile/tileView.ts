/**
 * The drawing side of a tile: tracks the canvas's real pixel size, keeps only
 * the newest frame (latest-frame-wins), draws it on the next animation frame,
 * and reports debounced size changes so the socket can send `resize`.
 */
import { parseFrame, PixelFormat, type FrameHeader } from '../hub/frame';
import { createRenderer, type Renderer } from '../render/renderer';
import { splitPlanes, type Planes } from '../render/yuv';
import { gridSlot, sharedSurfaceWanted, type Slot } from '../render/gridSurface';
import { pageRenderChoice } from '../render/renderChoice';
import { registerFrameStats, type FrameCounters } from '../render/frameStats';

export interface TileViewEvents {
  /** A frame was drawn; `count` is the number of frames drawn since the last reset. */
  onDrawn: (count: number, header: FrameHeader) => void;
  /** The canvas's pixel size changed noticeably (debounced), or was first known. */
  onSize: (width: number, height: number) => void;
}

const RESIZE_DEBOUNCE_MS = 150;
const RESIZE_MIN_DELTA = 4;

type Pending = { header: FrameHeader; planes: Planes } | { header: FrameHeader; bitmap: ImageBitmap };

export class TileView {
  readonly renderer: Renderer;
  /** The tile's slot on its grid's shared canvas, when drawing there. */
  private readonly slot: Slot | null;
  private pending: Pending | null = null;
  private last: Pending | null = null;
  private raf = 0;
  private drawn = 0;
  private jpegSeq = 0;
  private width = 0;
  private height = 0;
  private reportedW = 0;
  private reportedH = 0;
  private resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private observer: ResizeObserver;
  private disposed = false;
  private lastW = 0;
  private lastH = 0;
  /** Totals for the frames-drawn benchmark (never reset). */
  readonly counters: FrameCounters = { received: 0, drawn: 0, dropped: 0 };
  private readonly unregister: () => void;
  badFrames = 0;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly ev: TileViewEvents) {
    this.slot = sharedSurfaceWanted() ? gridSlot(canvas, { frame: () => this.frame() }) : null;
    this.renderer = this.slot ?? createRenderer(canvas, pageRenderChoice());
    canvas.dataset.renderer = this.slot ? 'webgl2-shared' : this.renderer.kind;
    this.unregister = registerFrameStats({
      counters: this.counters,
      element: () => canvas,
      frameSize: () => [this.lastW, this.lastH],
      canvasSize: () => [this.width, this.height],
    });
    this.observer = new ResizeObserver((entries) => this.onResize(entries));
    try {
      this.observer.observe(canvas, { box: 'device-pixel-content-box' });
    } catch {
      this.observer.observe(canvas);
    }
  }

  get pixelWidth(): number { return this.width; }
  get pixelHeight(): number { return this.height; }

  /** Accept one binary hub message; malformed ones are counted and dropped. */
  push(data: ArrayBuffer): void {
    if (this.disposed) return;
    this.counters.received++;
    const r = parseFrame(data);
    if (!r.ok) {
      this.badFrames++;
      this.counters.dropped++;
      return;
    }
    const f = r.frame;
    if (f.format === PixelFormat.JPEG) {
      const seq = ++this.jpegSeq;
      createImageBitmap(new Blob([f.payload as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' })).then(
        (bitmap) => {
          if (this.disposed || seq !== this.jpegSeq) {
            this.counters.dropped++;
            return bitmap.close();
          }
          this.setPending({ header: f, bitmap });
        },
        () => {
          this.badFrames++;
          this.counters.dropped++;
        },
      );
      return;
    }
    this.jpegSeq++; // a newer raw frame supersedes any JPEG still decoding
    this.setPending({ header: f, planes: splitPlanes(f.payload, f.width, f.height, f.format === PixelFormat.NV12) });
  }

  /** Forget frames and the drawn count (camera change). */
  reset(): void {
    this.jpegSeq++;
    this.release(this.pending);
    if (this.last !== this.pending) this.release(this.last);
    this.pending = null;
    this.last = null;
    this.drawn = 0;
    this.renderer.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.unregister();
    this.observer.disconnect();
    if (this.raf) cancelAnimationFrame(this.raf);
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.reset();
    this.renderer.dispose();
  }

  private release(p: Pending | null): void {
    if (p && 'bitmap' in p) p.bitmap.close();
  }

  private setPending(p: Pending): void {
    if (this.pending && this.pending !== this.last) {
      this.release(this.pending);
      this.counters.dropped++;
    }
    this.pending = p;
    if (this.slot) this.slot.schedule();
    else if (!this.raf) this.raf = requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    this.raf = 0;
    const p = this.pending;
    if (!p || this.disposed) return;
    this.pending = null;
    this.draw(p);
    if (this.last && this.last !== p) this.release(this.last);
    this.last = p;
    this.drawn++;
    this.counters.drawn++;
    this.lastW = p.header.width;
    this.lastH = p.header.height;
    this.ev.onDrawn(this.drawn, p.header);
  }

  private draw(p: Pending): void {
    if (this.width === 0 || this.height === 0) return;
    if ('planes' in p) this.renderer.drawPlanes(p.planes);
    else this.renderer.drawBitmap(p.bitmap);
  }

  private onResize(entries: ResizeObserverEntry[]): void {
    const e = entries[entries.length - 1];
    let w: number;
    let h: number;
    const dp = e.devicePixelContentBoxSize?.[0];
    if (dp) {
      w = Math.round(dp.inlineSize);
      h = Math.round(dp.blockSize);
    } else {
      const dpr = window.devicePixelRatio || 1;
      w = Math.round(e.contentRect.width * dpr);
      h = Math.round(e.contentRect.height * dpr);
    }
    if (w === this.width && h === this.height) return;
    this.width = w;
    this.height = h;
    if (w > 0 && h > 0) {
      // (on the shared canvas the tile's own canvas only holds the size; no context, no pixels)
      this.canvas.width = w;
      this.canvas.height = h;
      if (this.slot) this.slot.schedule();
      else if (this.last) this.draw(this.last);
      else this.renderer.clear();
    }
    this.scheduleSizeReport();
  }

  private scheduleSizeReport(): void {
    if (this.width === 0 || this.height === 0) return;
    const first = this.reportedW === 0;
    const far = Math.abs(this.width - this.reportedW) > RESIZE_MIN_DELTA || Math.abs(this.height - this.reportedH) > RESIZE_MIN_DELTA;
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = null;
    if (first) return this.report();
    if (!far) return;
    this.resizeTimer = setTimeout(() => this.report(), RESIZE_DEBOUNCE_MS);
  }

  private report(): void {
    this.resizeTimer = null;
    this.reportedW = this.width;
    this.reportedH = this.height;
    this.ev.onSize(this.width, this.height);
  }
}
