/**
 * Cases and footage: types mirroring the engine's JSON, typed command
 * wrappers, the `footage-job` event, and URLs of case media on the app's
 * `vigil-media` scheme (clips and snapshots are served by job id).
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { toIpcError } from '../ipc';
import type { MediaServerInfo } from '../bindings/engine';

export type CaseStatus = 'open' | 'closed';
export type JobKind = 'clip' | 'snapshot';
export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

export interface CaseCamera { cameraId: string; cameraName: string; role: 'equipment' | 'nearest' }
export interface Case {
  id: string;
  number: number;
  label: string;
  title: string;
  eventMs: number;
  equipmentId: string;
  equipmentKind: string;
  equipmentName: string;
  status: CaseStatus;
  notes: string;
  createdAtMs: number;
  cameras: CaseCamera[];
}
export interface Media {
  path: string;
  sha256: string;
  bytes: number;
  sidecarPath: string | null;
  sidecarSha256: string | null;
  actualStartMs: number | null;
  actualEndMs: number | null;
  frames: number;
  method: string;
  source: string;
}
export interface Job {
  id: number;
  caseId: string;
  cameraId: string;
  kind: JobKind;
  siteId: string;
  eventMs: number;
  windowStartMs: number;
  windowEndMs: number;
  status: JobStatus;
  dueAtMs: number;
  attempts: number;
  progress: number;
  errorKind: string | null;
  error: string | null;
  doneAtMs: number | null;
  media: Media | null;
}
export interface CaseDetail { case: Case; jobs: Job[] }
export interface CaseFilter { search?: string; status?: CaseStatus; equipmentId?: string; fromMs?: number; toMs?: number; limit?: number }
export interface NewCase { title: string; eventMs: number; equipmentId: string; extraCameras: string[]; notes: string }
export interface CaseUpdate { title?: string; status?: CaseStatus; notes?: string }
export interface CaseMarker { caseId: string; label: string; title: string; eventMs: number; cameras: string[] }
export interface Equipment { id: string; name: string; kind: string; tag: string }
/** How a site's case footage is cut (all ms; the window is relative to the event). */
export interface SiteFootage { startOffsetMs: number; endOffsetMs: number; clockOffsetMs: number; recordingLagMs: number }

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const casesIpc = {
  createCase: (request: NewCase) => call<CaseDetail>('create_case', { request }),
  listCases: (filter: CaseFilter) => call<Case[]>('list_cases', { filter }),
  getCase: (id: string) => call<CaseDetail>('get_case', { id }),
  /** The frame times of a clip job in µs from its start (read from its packets). */
  clipFrameTimes: (jobId: number) => call<number[]>('clip_frame_times', { jobId }),
  updateCase: (id: string, update: CaseUpdate) => call<Case>('update_case', { id, update }),
  retryJob: (jobId: number) => call<boolean>('retry_footage_job', { jobId }),
  listEquipment: () => call<Equipment[]>('list_equipment'),
  saveEquipment: (equipment: Equipment) => call<Equipment>('save_equipment', { equipment }),
  getNearest: (equipmentId: string) => call<string[]>('get_nearest_cameras', { equipmentId }),
  setNearest: (equipmentId: string, cameras: string[]) => call<string[]>('set_nearest_cameras', { equipmentId, cameras }),
  getFootageSettings: (site: string) => call<SiteFootage>('get_footage_settings', { site }),
  setFootageSettings: (site: string, settings: SiteFootage) => call<null>('set_footage_settings', { request: { site, settings } }),
};

/** Case markers for a timeline over [fromMs, toMs), optionally for some cameras. */
export function caseMarkers(fromMs: number, toMs: number, cameras: string[] = []): Promise<CaseMarker[]> {
  return call<CaseMarker[]>('case_markers', { fromMs, toMs, cameras });
}

/** Subscribes to job changes pushed by the footage worker. */
export function onFootageJob(cb: (job: Job) => void): Promise<UnlistenFn> {
  return listen<Job>('footage-job', (e) => cb(e.payload));
}

/** Where case media are served over loopback HTTP, when the engine says so. */
let mediaServer: MediaServerInfo | null = null;

/**
 * Asks the engine where case media are served over HTTP (on Linux, where
 * WebKitGTK plays no video from the app's scheme). Never fails: without an
 * answer the scheme stays in use. Call once before showing media.
 */
export async function loadMediaServer(): Promise<void> {
  mediaServer = await invoke<MediaServerInfo | null>('media_server').catch(() => null);
}

/**
 * The URL of a done job's file: the engine's loopback media server when
 * there is one, else the `vigil-media` scheme (Windows serves custom
 * schemes as http://<scheme>.localhost).
 */
export function mediaUrl(
  job: Job,
  platform: string = typeof navigator === 'undefined' ? '' : navigator.userAgent,
  server: MediaServerInfo | null = mediaServer,
): string {
  // the sha256 prefix busts caches if a job is ever redone
  const v = (job.media?.sha256 ?? '').slice(0, 12);
  if (server) return `${server.base}/media/${job.id}?token=${encodeURIComponent(server.token)}&v=${v}`;
  const base = /Windows/i.test(platform) ? 'http://vigil-media.localhost' : 'vigil-media://localhost';
  return `${base}/${job.id}?v=${v}`;
}
