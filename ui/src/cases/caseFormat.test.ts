import { describe, expect, it } from 'vitest';
import { fromLocalInput, jobLine, jobsByCamera, mergeJob, summary, timeRange, toLocalInput, utcTime } from './caseFormat';
import { mediaUrl, type Case, type Job } from './casesIpc';

const job = (over: Partial<Job>): Job => ({
  id: 1, caseId: 'c', cameraId: 'demo-1', kind: 'clip', siteId: 'demo', eventMs: 0, windowStartMs: 0, windowEndMs: 0,
  status: 'pending', dueAtMs: 0, attempts: 0, progress: 0, errorKind: null, error: null, doneAtMs: null, media: null, ...over,
});

const kase: Case = {
  id: 'c', number: 1, label: 'C-000001', title: 't', eventMs: 0, equipmentId: 'demo-1', equipmentKind: 'camera',
  equipmentName: 'Gate', status: 'open', notes: '', createdAtMs: 0,
  cameras: [{ cameraId: 'demo-1', cameraName: 'Gate', role: 'equipment' }, { cameraId: 'demo-2', cameraName: 'Lobby', role: 'nearest' }],
};

describe('case format', () => {
  it('formats UTC times and ranges', () => {
    expect(utcTime(Date.UTC(2026, 2, 4, 5, 6, 7, 89))).toBe('2026-03-04 05:06:07.089 UTC');
    expect(timeRange(Date.UTC(2026, 0, 1, 0, 0, 0), Date.UTC(2026, 0, 1, 0, 0, 10))).toBe('00:00:00.000 – 00:00:10.000');
    const ms = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(fromLocalInput(toLocalInput(ms))).toBe(ms);
    expect(fromLocalInput('')).toBeNull();
  });

  it('groups jobs per camera in case order and merges updates', () => {
    const jobs = [job({ id: 2, cameraId: 'demo-2', kind: 'snapshot' }), job({ id: 1 })];
    const rows = jobsByCamera(kase, jobs);
    expect(rows.map((r) => r.cameraId)).toEqual(['demo-1', 'demo-2']);
    expect(rows[0].clip?.id).toBe(1);
    expect(rows[1].snapshot?.id).toBe(2);
    const merged = mergeJob(jobs, job({ id: 1, status: 'done' }));
    expect(merged.find((j) => j.id === 1)?.status).toBe('done');
    expect(summary(merged)).toEqual({ done: 1, total: 2, failed: 0 });
  });

  it('says why a job waits or failed', () => {
    expect(jobLine(job({ dueAtMs: 5_000 }), 1_000)).toBe('waiting 4s for the footage');
    expect(jobLine(job({ status: 'failed', error: 'camera offline' }), 0)).toBe('failed: camera offline');
    expect(jobLine(job({ status: 'running', progress: 0.5 }), 0)).toBe('working 50%');
  });

  it('builds media URLs per platform', () => {
    const j = job({ id: 7, status: 'done', media: { path: '', sha256: 'abcdef0123456789', bytes: 1, sidecarPath: null, sidecarSha256: null, actualStartMs: 0, actualEndMs: 0, frames: 1, method: 'encode', source: '' } });
    expect(mediaUrl(j, 'X11; Linux')).toBe('vigil-media://localhost/7?v=abcdef012345');
    expect(mediaUrl(j, 'Windows NT 10.0')).toBe('http://vigil-media.localhost/7?v=abcdef012345');
    // the engine's loopback server, where it offers one (Linux), wins
    const server = { base: 'http://127.0.0.1:4321', token: 'ab/c' };
    expect(mediaUrl(j, 'X11; Linux', server)).toBe('http://127.0.0.1:4321/media/7?token=ab%2Fc&v=abcdef012345');
  });
});

describe('review layout', async () => {
  const { reviewLayout } = await import('./review');
  it('fits the cameras in the smallest grid', () => {
    expect(reviewLayout(['a'])).toEqual({ grid: 1, tiles: ['a'] });
    expect(reviewLayout(['a', 'b', 'c'])).toEqual({ grid: 4, tiles: ['a', 'b', 'c', null] });
    expect(reviewLayout(Array.from({ length: 5 }, (_, i) => `c${i}`)).grid).toBe(9);
  });
});
