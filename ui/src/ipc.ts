/**
 * Typed wrappers over the engine's Tauri commands. Everything the UI asks the
 * engine goes through here; errors are normalised to `IpcError`.
 */
import { invoke } from '@tauri-apps/api/core';
import type { CameraInfo, DayBounds, HubInfo, Span } from './bindings/engine';

/** The boundary types, generated from the engine's Rust types (ts-rs). */
export type { HubInfo, StreamInfo, StreamKind } from './bindings/engine';
/** A camera of a site (`site` is the site id), with what it can do. */
export type Camera = CameraInfo;
export type GridSize = 1 | 4 | 9 | 16;
export interface Layout { grid: GridSize; tiles: (string | null)[] }
export interface SavedLayout { name: string; layout: Layout }
/** A site's own view (e.g. a Milestone view) as a layout; `site` is the site id. */
export interface ServerLayout { site: string; name: string; layout: Layout }
export type Transport = 'tcp' | 'udp';
export interface AddRtspCameraRequest {
  name: string;
  mainUrl: string;
  subUrl: string | null;
  username: string | null;
  password: string | null;
  transport: Transport;
}
/** A rejected command; `certificate` ('sha256:<64 hex>') comes with kind 'untrusted'. */
export interface IpcError { kind: string; message: string; certificate?: string | null }
/** A recorded span, ms since the Unix epoch (UTC), end exclusive. */
export type RecordingSpan = Span;
/** A site-local day's UTC bounds (a DST day has 23 or 25 hours). */
export type PlaybackDay = DayBounds;
export interface AddOnvifRequest { name: string | null; address: string; username: string | null; password: string | null }
export type PtzStep = 'up' | 'down' | 'left' | 'right' | 'zoomIn' | 'zoomOut';
export interface PtzMove { pan: number; tilt: number; zoom: number; speed: number }
export interface PtzPreset { token: string; name: string }

/** Turn whatever a command rejected with into `{ kind, message }`. */
export function toIpcError(e: unknown): IpcError {
  if (e && typeof e === 'object' && 'message' in e) {
    const o = e as { kind?: unknown; message?: unknown; certificate?: unknown };
    const err: IpcError = { kind: typeof o.kind === 'string' ? o.kind : 'error', message: String(o.message) };
    if (typeof o.certificate === 'string') err.certificate = o.certificate;
    return err;
  }
  return { kind: 'error', message: typeof e === 'string' ? e : 'unknown error' };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const ipc = {
  hubInfo: () => call<HubInfo>('hub_info'),
  listCameras: () => call<Camera[]>('list_cameras'),
  addRtspCamera: (request: AddRtspCameraRequest) => call<Camera>('add_rtsp_camera', { request }),
  removeCamera: (id: string) => call<null>('remove_camera', { id }),
  getCurrentLayout: () => call<Layout>('get_current_layout'),
  saveCurrentLayout: (layout: Layout) => call<null>('save_current_layout', { layout }),
  listSavedLayouts: () => call<SavedLayout[]>('list_saved_layouts'),
  saveNamedLayout: (name: string, layout: Layout) => call<null>('save_named_layout', { name, layout }),
  deleteNamedLayout: (name: string) => call<null>('delete_named_layout', { name }),
  /** Every site's own views as layouts (read from the servers now, never stored). */
  listServerLayouts: () => call<ServerLayout[]>('list_server_layouts'),
  /** Recorded spans of a camera in [from, to) (UTC ms): sorted, merged, clipped. */
  recordings: (camera: string, from: number, to: number) => call<RecordingSpan[]>('recordings', { camera, from, to }),
  /** The site-local day `date` (YYYY-MM-DD) as UTC bounds. */
  playbackDay: (date: string, camera?: string | null) => call<PlaybackDay>('playback_day', { date, camera: camera ?? null }),
  /** The site's IANA time zone. */
  siteTimeZone: (camera?: string | null) => call<string>('site_time_zone', { camera: camera ?? null }),
  addOnvifDevice: (request: AddOnvifRequest) => call<Camera[]>('add_onvif_device', { request }),
  ptzMove: (camera: string, request: PtzMove) => call<null>('ptz_move', { camera, request }),
  ptzStop: (camera: string) => call<null>('ptz_stop', { camera }),
  ptzStep: (camera: string, step: PtzStep, speed: number) => call<null>('ptz_step', { camera, step, speed }),
  ptzHome: (camera: string, speed: number) => call<null>('ptz_home', { camera, speed }),
  ptzPresets: (camera: string) => call<PtzPreset[]>('ptz_presets', { camera }),
  ptzGotoPreset: (camera: string, token: string, speed: number) => call<null>('ptz_goto_preset', { camera, token, speed }),
  ptzSavePreset: (camera: string, name: string) => call<PtzPreset>('ptz_save_preset', { camera, name }),
};
