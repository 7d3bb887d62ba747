/**
 * WebGL2 renderer: three R8 textures (Y, U, V) and a BT.601 limited-range
 * shader on a full quad; letterboxing through the viewport. Textures are
 * re-allocated only when the picture size changes (texSubImage2D otherwise).
 */
import type { Renderer } from './renderer';
import { letterbox, type Planes } from './yuv';

export const VS = `#version 300 es
out vec2 v_uv;
void main() {
  vec2 p = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  v_uv = vec2(p.x, 1.0 - p.y);
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

export const FS_YUV = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_y;
uniform sampler2D u_u;
uniform sampler2D u_v;
uniform float u_dim;
out vec4 o;
void main() {
  float y = 1.1643836 * (texture(u_y, v_uv).r - 0.0627451);
  float u = texture(u_u, v_uv).r - 0.5019608;
  float v = texture(u_v, v_uv).r - 0.5019608;
  vec3 rgb = vec3(y + 1.5960268 * v, y - 0.3917623 * u - 0.8129676 * v, y + 2.0172321 * u);
  o = vec4(clamp(rgb, 0.0, 1.0) * (1.0 - u_dim), 1.0);
}`;

export const FS_RGBA = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_rgba;
uniform float u_dim;
out vec4 o;
void main() { o = vec4(texture(u_rgba, v_uv).rgb * (1.0 - u_dim), 1.0); }`;

export function compile(gl: WebGL2RenderingContext, fsSrc: string): WebGLProgram | null {
  const prog = gl.createProgram();
  const shaders: WebGLShader[] = [];
  for (const [type, src] of [[gl.VERTEX_SHADER, VS], [gl.FRAGMENT_SHADER, fsSrc]] as const) {
    const s = gl.createShader(type);
    if (!s) return null;
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) return null;
    gl.attachShader(prog, s);
    shaders.push(s);
  }
  gl.linkProgram(prog);
  shaders.forEach((s) => gl.deleteShader(s));
  return gl.getProgramParameter(prog, gl.LINK_STATUS) ? prog : null;
}

export function makeTexture(gl: WebGL2RenderingContext, unit: number): WebGLTexture {
  const t = gl.createTexture();
  gl.activeTexture(gl.TEXTURE0 + unit);
  gl.bindTexture(gl.TEXTURE_2D, t);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  return t;
}

export function createGlRenderer(canvas: HTMLCanvasElement): Renderer | null {
  let gl: WebGL2RenderingContext | null = null;
  try {
    gl = canvas.getContext('webgl2', { alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false });
  } catch {
    gl = null;
  }
  if (!gl) return null;
  const yuvProg = compile(gl, FS_YUV);
  const rgbaProg = compile(gl, FS_RGBA);
  if (!yuvProg || !rgbaProg) return null;
  const g = gl;
  const vao = g.createVertexArray();
  const texY = makeTexture(g, 0);
  const texU = makeTexture(g, 1);
  const texV = makeTexture(g, 2);
  const texRgba = makeTexture(g, 3);
  g.useProgram(yuvProg);
  g.uniform1i(g.getUniformLocation(yuvProg, 'u_y'), 0);
  g.uniform1i(g.getUniformLocation(yuvProg, 'u_u'), 1);
  g.uniform1i(g.getUniformLocation(yuvProg, 'u_v'), 2);
  g.useProgram(rgbaProg);
  g.uniform1i(g.getUniformLocation(rgbaProg, 'u_rgba'), 3);
  g.pixelStorei(g.UNPACK_ALIGNMENT, 1);
  let texW = 0;
  let texH = 0;

  const upload = (unit: number, tex: WebGLTexture, w: number, h: number, data: Uint8Array, realloc: boolean) => {
    g.activeTexture(g.TEXTURE0 + unit);
    g.bindTexture(g.TEXTURE_2D, tex);
    if (realloc) g.texImage2D(g.TEXTURE_2D, 0, g.R8, w, h, 0, g.RED, g.UNSIGNED_BYTE, data);
    else g.texSubImage2D(g.TEXTURE_2D, 0, 0, 0, w, h, g.RED, g.UNSIGNED_BYTE, data);
  };

  const drawQuad = (prog: WebGLProgram, srcW: number, srcH: number) => {
    g.viewport(0, 0, canvas.width, canvas.height);
    g.clearColor(0, 0, 0, 1);
    g.clear(g.COLOR_BUFFER_BIT);
    const r = letterbox(srcW, srcH, canvas.width, canvas.height);
    // GL's viewport origin is bottom-left.
    g.viewport(r.x, canvas.height - r.y - r.h, r.w, r.h);
    g.useProgram(prog);
    g.bindVertexArray(vao);
    g.drawArrays(g.TRIANGLE_STRIP, 0, 4);
  };

  return {
    kind: 'webgl2',
    drawPlanes(p: Planes) {
      const realloc = p.width !== texW || p.height !== texH;
      upload(0, texY, p.width, p.height, p.y, realloc);
      upload(1, texU, p.cw, p.ch, p.u, realloc);
      upload(2, texV, p.cw, p.ch, p.v, realloc);
      texW = p.width;
      texH = p.height;
      drawQuad(yuvProg, p.width, p.height);
    },
    drawBitmap(b: ImageBitmap) {
      g.activeTexture(g.TEXTURE3);
      g.bindTexture(g.TEXTURE_2D, texRgba);
      g.texImage2D(g.TEXTURE_2D, 0, g.RGBA, g.RGBA, g.UNSIGNED_BYTE, b);
      drawQuad(rgbaProg, b.width, b.height);
    },
    clear() {
      g.viewport(0, 0, canvas.width, canvas.height);
      g.clearColor(0, 0, 0, 1);
      g.clear(g.COLOR_BUFFER_BIT);
    },
    dispose() {
      [texY, texU, texV, texRgba].forEach((t) => g.deleteTexture(t));
      g.deleteProgram(yuvProg);
      g.deleteProgram(rgbaProg);
      g.deleteVertexArray(vao);
    },
  };
}
