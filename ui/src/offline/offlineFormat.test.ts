import { describe, expect, it } from 'vitest';
import { bannerText, baseName, civilTime, openSummary, parsePaths, playFrom } from './offlineFormat';
import type { OfflineOpen, PackageBanner } from '../bindings/engine';

describe('parsePaths', () => {
  it('takes one path a line, trimmed, unquoted, without repeats', () => {
    expect(parsePaths('  /a/b.mp4 \n\n"/c d/e"\n\'/f\'\n/a/b.mp4\r\n')).toEqual(['/a/b.mp4', '/c d/e', '/f']);
  });
  it('decodes file:// URIs', () => {
    expect(parsePaths('file:///media/usb/clip%201.mp4')).toEqual(['/media/usb/clip 1.mp4']);
  });
  it('gives nothing for blank text', () => {
    expect(parsePaths('  \n ')).toEqual([]);
  });
});

describe('bannerText', () => {
  const b = (over: Partial<PackageBanner>): PackageBanner => ({ root: '/p', state: 'verified', fingerprint: null, problems: [], ...over });
  it('names the key of a verified package', () => {
    expect(bannerText(b({ fingerprint: 'ab12 cd34' }))).toEqual({ tone: 'ok', text: 'Package verified by key ab12 cd34', details: [] });
  });
  it('lists the files of a tampered package', () => {
    const t = bannerText(b({ state: 'tampered', problems: ['a.mp4: Changed (hash)', 'x: Extra ()'] }));
    expect(t.tone).toBe('bad');
    expect(t.text).toContain('TAMPERED');
    expect(t.details).toEqual(['a.mp4: Changed (hash)', 'x: Extra ()']);
  });
  it('warns of unsigned and unknown-key packages', () => {
    expect(bannerText(b({ state: 'unsigned' })).tone).toBe('warn');
    expect(bannerText(b({ state: 'unsigned' })).text).toContain('unsigned');
    expect(bannerText(b({ state: 'unknown_key', fingerprint: 'ffff' })).text).toBe('Package signed by an unknown key ffff');
  });
  it('says when the check failed', () => {
    expect(bannerText(b({ state: 'error', problems: ['no manifest'] }))).toEqual({ tone: 'bad', text: 'Package could not be checked', details: ['no manifest'] });
  });
});

describe('civilTime', () => {
  it('adds seconds and accepts a space', () => {
    expect(civilTime('2026-03-01T10:20')).toBe('2026-03-01T10:20:00');
    expect(civilTime('2026-03-01 10:20:30')).toBe('2026-03-01T10:20:30');
    expect(civilTime('2026-03-01T10:20:30.5')).toBe('2026-03-01T10:20:30.5');
  });
  it('refuses anything else', () => {
    expect(civilTime('')).toBeNull();
    expect(civilTime('yesterday')).toBeNull();
    expect(civilTime('2026-03-01')).toBeNull();
  });
});

describe('baseName and openSummary', () => {
  it('takes the last part of either separator', () => {
    expect(baseName('/a/b/c.mp4')).toBe('c.mp4');
    expect(baseName('C:\\x\\y\\')).toBe('y');
  });
  it('sums up an open', () => {
    const o = {
      site: { name: 'usb' },
      cameras: [{ id: 'c', name: 'cam', spans: [] }],
      files: [
        { path: '/a', camera_id: 'c', start_ms: 1, source: 'name', problem: null },
        { path: '/b', camera_id: null, start_ms: null, source: null, problem: 'unreadable' },
        { path: '/c', camera_id: null, start_ms: null, source: null, problem: null },
      ],
      needs_start: ['/c'],
      package: null,
      left_out: 0,
    } as unknown as OfflineOpen;
    expect(openSummary(o)).toBe('usb: 1 camera(s), 3 file(s), 1 with problems, 1 need a start time');
  });
});

describe('playFrom', () => {
  it('plays the cameras with spans from the earliest start', () => {
    const o = {
      cameras: [
        { id: 'a', name: 'a', spans: [{ start: 5000, end: 9000 }] },
        { id: 'b', name: 'b', spans: [] },
        { id: 'c', name: 'c', spans: [{ start: 2000, end: 3000 }, { start: 7000, end: 8000 }] },
      ],
    } as unknown as OfflineOpen;
    expect(playFrom(o)).toEqual({ cameras: ['a', 'c'], at: 2000 });
  });
  it('gives null when nothing has spans', () => {
    expect(playFrom({ cameras: [{ id: 'a', name: 'a', spans: [] }] } as unknown as OfflineOpen)).toBeNull();
  });
});
