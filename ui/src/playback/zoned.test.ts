import { describe, expect, it } from 'vitest';
import { addDays, formatSiteTime, isIsoDate, siteDate, wallClock } from './zoned';
import { playbackStatusLabel } from './labels';

describe('site time', () => {
  it('gives the site-local date and time of an instant', () => {
    const t = Date.UTC(2026, 10, 22, 3, 4, 5); // 03:04:05 UTC
    expect(siteDate('UTC', t)).toBe('2026-11-22');
    expect(siteDate('America/New_York', t)).toBe('2026-11-21');
    expect(formatSiteTime('America/New_York', t)).toBe('22:04:05');
    expect(formatSiteTime('Asia/Kolkata', t, false)).toBe('08:34');
    expect(wallClock('Europe/Berlin', Date.UTC(2026, 9, 25, 0, 30))).toEqual({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 });
    // The repeated hour of a fall-back night: the same wall time twice, an hour apart.
    expect(formatSiteTime('Europe/Berlin', Date.UTC(2026, 9, 25, 1, 30))).toBe('02:30:00');
    expect(wallClock('UTC', Date.UTC(2026, 0, 1)).hour).toBe(0);
  });

  it('does calendar arithmetic and validates dates', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('26-02-01')).toBe(false);
  });

  it('labels tile states', () => {
    expect(playbackStatusLabel('no_recording', null)).toBe('No recording');
    expect(playbackStatusLabel('error', 'unknown camera x')).toBe('Error: unknown camera x');
    expect(playbackStatusLabel('weird', null)).toBe('weird');
  });
});
