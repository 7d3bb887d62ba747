/**
 * One WebGL2 canvas for a whole grid (the `.grid` element) instead of one
 * context per tile: every tile is a slot with its own textures, drawn into its
 * tile's rectangle (viewport + scissor) of the shared canvas, which lies under
 * the tiles (their backgrounds turn transparent, their overlays stay on top).
 * One animation-frame loop for the grid: each tile view hands its newest
 * frame over in that loop (uploads with texSubImage2D into reused textures),
 * then all visible slots are drawn once and the canvas is composited once. A
 * page with many WebGL canvases costs the compositor one layer, one flush and
 * one context each; this costs one of each for the grid.
 */
import { pageRenderChoice } from './renderChoice';
import type { Renderer } from './renderer';
import { compile, FS_RGBA, FS_YUV, makeTexture } from './glRenderer';
import { letterbox, type Planes } from './yuv';

/** The tile background the shared canvas paints under each picture (as `.tile`'s CSS). */
const TILE_BG = [5 / 255, 6 / 255, 7 / 255] as const;

/** What a tile view gives its slot: called in the grid's frame loop before drawing. */
export interface SlotClient {
  /** Hand the newest frame over (calls the slot's drawPlanes/drawBitmap) if one is waiting. */
  frame(): void;
}

export interface Slot extends Renderer {
  /** Ask for the grid's next frame loop (a new frame waits, or the tile moved). */
  schedule(): void;
}

interface SlotState {
  el: HTMLElement;
  client: SlotClient;
  wants: boolean;
  kind: 'yuv' | 'rgba' | null;
  srcW: number;
  srcH: number;
  texW: number;
  texH: number;
  tex: WebGLTexture[];
}

/** Playback tiles with nothing to play show their last picture dimmed (as `.tile-canvas`'s opacity 0.3 did). */
const DIMMED = '.pb-tile[data-state="no_recording"] > *, .pb-tile[data-state="ended"] > *';
const DIM = 0.7;

const surfaces = new WeakMap<Element, GridSurface>();

/** Whether tiles share one WebGL2 canvas per grid (off with `?pertile`, or when the grid draws with the 2D canvas). */
export function sharedSurfaceWanted(): boolean {
  return !new URLSearchParams(location.search).has('pertile') && pageRenderChoice() !== '2d';
}

/**
 * A slot on the grid surface of the grid holding `el` (its `.grid` ancestor),
 * or null when `el` is in no grid or WebGL2 is unavailable.
 */
export function gridSlot(el: HTMLElement, client: SlotClient): Slot | null {
  const host = el.closest<HTMLElement>('.grid');
  if (!host) return null;
  let s = surfaces.get(host);
  if (!s) {
    const made = GridSurface.create(host);
    if (!made) return null;
    s = made;
    surfaces.set(host, s);
  }
  return s.add(el, client);
}

class GridSurface {
  private readonly slots = new Set<SlotState>();
  private raf = 0;
  /** True while views hand frames over (their uploads need no further loop). */
  private handing = false;
  private yuvProg: WebGLProgram;
  private rgbaProg: WebGLProgram;
  private yuvDim: WebGLUniformLocation | null;
  private rgbaDim: WebGLUniformLocation | null;
  private vao: WebGLVertexArrayObject;
  private observer: ResizeObserver;
  /** Redraws when a tile's state changes (dimmed or not), not at its next frame. */
  private states: MutationObserver;

  static create(host: HTMLElement): GridSurface | null {
    const canvas = document.createElement('canvas');
    canvas.className = 'grid-gl';
    canvas.setAttribute('aria-hidden', 'true');
    let gl: WebGL2RenderingContext | null = null;
    try {
      gl = canvas.getContext('webgl2', { alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false });
    } catch {
      gl = null;
    }
    if (!gl) return null;
    const yuv = compile(gl, FS_YUV);
    const rgba = compile(gl, FS_RGBA);
    if (!yuv || !rgba) return null;
    return new GridSurface(host, canvas, gl, yuv, rgba);
  }

  private constructor(
    private readonly host: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly gl: WebGL2RenderingContext,
    yuv: WebGLProgram,
    rgba: WebGLProgram,
  ) {
    this.yuvProg = yuv;
    this.rgbaProg = rgba;
    const g = gl;
    this.vao = g.createVertexArray();
    this.yuvDim = g.getUniformLocation(yuv, 'u_dim');
    this.rgbaDim = g.getUniformLocation(rgba, 'u_dim');
    g.useProgram(yuv);
    g.uniform1i(g.getUniformLocation(yuv, 'u_y'), 0);
    g.uniform1i(g.getUniformLocation(yuv, 'u_u'), 1);
    g.uniform1i(g.getUniformLocation(yuv, 'u_v'), 2);
    g.useProgram(rgba);
    g.uniform1i(g.getUniformLocation(rgba, 'u_rgba'), 3);
    g.pixelStorei(g.UNPACK_ALIGNMENT, 1);
    host.classList.add('gl-shared');
    host.prepend(canvas);
    this.observer = new ResizeObserver(() => this.schedule());
    this.observer.observe(host);
    this.states = new MutationObserver(() => this.schedule());
    this.states.observe(host, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  }

  add(el: HTMLElement, client: SlotClient): Slot {
    const g = this.gl;
    const st: SlotState = {
      el,
      client,
      wants: false,
      kind: null,
      srcW: 0,
      srcH: 0,
      texW: 0,
      texH: 0,
      tex: [makeTexture(g, 0), makeTexture(g, 1), makeTexture(g, 2), makeTexture(g, 3)],
    };
    this.slots.add(st);
    this.schedule();
    const upload = (unit: number, w: number, h: number, data: Uint8Array, realloc: boolean) => {
      g.activeTexture(g.TEXTURE0 + unit);
      g.bindTexture(g.TEXTURE_2D, st.tex[unit]);
      if (realloc) g.texImage2D(g.TEXTURE_2D, 0, g.R8, w, h, 0, g.RED, g.UNSIGNED_BYTE, data);
      else g.texSubImage2D(g.TEXTURE_2D, 0, 0, 0, w, h, g.RED, g.UNSIGNED_BYTE, data);
    };
    return {
      kind: 'webgl2',
      drawPlanes: (p: Planes) => {
        const realloc = p.width !== st.texW || p.height !== st.texH;
        upload(0, p.width, p.height, p.y, realloc);
        upload(1, p.cw, p.ch, p.u, realloc);
        upload(2, p.cw, p.ch, p.v, realloc);
        st.texW = p.width;
        st.texH = p.height;
        st.kind = 'yuv';
        st.srcW = p.width;
        st.srcH = p.height;
        this.schedule();
      },
      drawBitmap: (b: ImageBitmap) => {
        g.activeTexture(g.TEXTURE3);
        g.bindTexture(g.TEXTURE_2D, st.tex[3]);
        g.texImage2D(g.TEXTURE_2D, 0, g.RGBA, g.RGBA, g.UNSIGNED_BYTE, b);
        st.kind = 'rgba';
        st.srcW = b.width;
        st.srcH = b.height;
        this.schedule();
      },
      clear: () => {
        st.kind = null;
        this.schedule();
      },
      dispose: () => {
        st.tex.forEach((t) => g.deleteTexture(t));
        this.slots.delete(st);
        if (this.slots.size === 0) this.dispose();
        else this.schedule();
      },
      schedule: () => {
        st.wants = true;
        this.schedule();
      },
    };
  }

  private schedule(): void {
    if (!this.raf && !this.handing) this.raf = requestAnimationFrame(() => this.frame());
  }

  private dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.observer.disconnect();
    this.states.disconnect();
    const g = this.gl;
    g.deleteProgram(this.yuvProg);
    g.deleteProgram(this.rgbaProg);
    g.deleteVertexArray(this.vao);
    g.getExtension('WEBGL_lose_context')?.loseContext();
    this.canvas.remove();
    this.host.classList.remove('gl-shared');
    surfaces.delete(this.host);
  }

  private frame(): void {
    this.raf = 0;
    // Each view hands its newest frame over (texture uploads).
    this.handing = true;
    try {
      for (const st of this.slots) {
        if (!st.wants) continue;
        st.wants = false;
        st.client.frame();
      }
    } finally {
      this.handing = false;
    }
    const g = this.gl;
    const hostRect = this.host.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.round(hostRect.width * dpr);
    const ch = Math.round(hostRect.height * dpr);
    if (cw <= 0 || ch <= 0) return;
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
    }
    g.disable(g.SCISSOR_TEST);
    g.viewport(0, 0, cw, ch);
    g.clearColor(0, 0, 0, 1);
    g.clear(g.COLOR_BUFFER_BIT);
    g.enable(g.SCISSOR_TEST);
    g.bindVertexArray(this.vao);
    for (const st of this.slots) {
      const r = st.el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) continue; // hidden (another tile maximized)
      const x = Math.round((r.left - hostRect.left) * dpr);
      const y = Math.round((r.top - hostRect.top) * dpr);
      const w = Math.round(r.width * dpr);
      const h = Math.round(r.height * dpr);
      // GL's origin is bottom-left.
      g.scissor(x, ch - y - h, w, h);
      g.clearColor(TILE_BG[0], TILE_BG[1], TILE_BG[2], 1);
      g.clear(g.COLOR_BUFFER_BIT);
      if (!st.kind) continue;
      const lb = letterbox(st.srcW, st.srcH, w, h);
      g.viewport(x + lb.x, ch - y - lb.y - lb.h, lb.w, lb.h);
      const dim = st.el.matches(DIMMED) ? DIM : 0;
      if (st.kind === 'yuv') {
        g.useProgram(this.yuvProg);
        g.uniform1f(this.yuvDim, dim);
        for (let u = 0; u < 3; u++) {
          g.activeTexture(g.TEXTURE0 + u);
          g.bindTexture(g.TEXTURE_2D, st.tex[u]);
        }
      } else {
        g.useProgram(this.rgbaProg);
        g.uniform1f(this.rgbaDim, dim);
        g.activeTexture(g.TEXTURE3);
        g.bindTexture(g.TEXTURE_2D, st.tex[3]);
      }
      g.drawArrays(g.TRIANGLE_STRIP, 0, 4);
    }
    g.disable(g.SCISSOR_TEST);
  }
}
