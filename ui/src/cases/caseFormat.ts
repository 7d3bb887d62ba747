/** Pure helpers of the case panel: times, job grouping, status summaries. */
import type { Case, Job } from './casesIpc';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2026-03-04 05:06:07.089 UTC`. */
export function utcTime(ms: number, withMs = true): string {
  const d = new Date(ms);
  const s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withMs ? `${s}.${pad(d.getUTCMilliseconds(), 3)} UTC` : `${s} UTC`;
}

/** `05:06:02.000 – 05:06:12.000` (UTC). */
export function timeRange(startMs: number, endMs: number): string {
  const t = (ms: number) => utcTime(ms).slice(11, 23);
  return `${t(startMs)} – ${t(endMs)}`;
}

/** A `<input type="datetime-local">` value (UTC) and back. */
export function toLocalInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
export function fromLocalInput(v: string): number | null {
  if (!v) return null;
  const ms = Date.parse(v.length === 16 ? `${v}:00Z` : `${v}Z`);
  return Number.isNaN(ms) ? null : ms;
}

export interface CameraJobs { cameraId: string; cameraName: string; clip?: Job; snapshot?: Job }

/** A case's jobs per camera, in the case's camera order. */
export function jobsByCamera(c: Case, jobs: Job[]): CameraJobs[] {
  const rows: CameraJobs[] = c.cameras.map((cc) => ({ cameraId: cc.cameraId, cameraName: cc.cameraName }));
  for (const j of jobs) {
    let row = rows.find((r) => r.cameraId === j.cameraId);
    if (!row) {
      row = { cameraId: j.cameraId, cameraName: j.cameraId };
      rows.push(row);
    }
    row[j.kind] = j;
  }
  return rows;
}

/** Replaces (or adds) a job in a list by id. */
export function mergeJob(jobs: Job[], job: Job): Job[] {
  const i = jobs.findIndex((j) => j.id === job.id);
  if (i < 0) return [...jobs, job];
  const out = jobs.slice();
  out[i] = job;
  return out;
}

/** One line for a job's state, with the failure reason or the wait. */
export function jobLine(j: Job | undefined, nowMs: number): string {
  if (!j) return '—';
  switch (j.status) {
    case 'done':
      return j.kind === 'clip' ? `done (${j.media?.method === 'stream_copy' ? 'stream copy' : 'encoded'})` : 'done';
    case 'running':
      return `working ${Math.round(j.progress * 100)}%`;
    case 'failed':
      return `failed: ${j.error ?? 'unknown reason'}`;
    case 'pending': {
      const wait = Math.max(0, Math.ceil((j.dueAtMs - nowMs) / 1000));
      const why = j.error ? ` (retry: ${j.error})` : '';
      return wait > 0 ? `waiting ${wait}s for the footage${why}` : `queued${why}`;
    }
  }
}

/** Counts for the list: done / all, failed. */
export function summary(jobs: Job[]): { done: number; total: number; failed: number } {
  return {
    done: jobs.filter((j) => j.status === 'done').length,
    total: jobs.length,
    failed: jobs.filter((j) => j.status === 'failed').length,
  };
}
