import { describe, expect, it } from 'vitest';
import { alignedInstants, generateTicks, MAX_STEP, tickStep } from './ticks';

const H = 3_600_000;
const M = 60_000;
const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

describe('ticks', () => {
  it('picks the finest step with room for a label, never coarser than 6 h', () => {
    expect(tickStep(24 * H, 1000, 70)).toBe(2 * H); // 1 h = 41.7 px, 2 h = 83 px
    expect(tickStep(24 * H, 200, 70)).toBe(MAX_STEP); // even when 6 h is cramped
    expect(tickStep(M, 1000, 70)).toBe(5000);
    expect(tickStep(H, 1000, 70)).toBe(5 * M);
    expect(tickStep(0, 1000, 70)).toBe(MAX_STEP);
  });

  it('labels a 25 h fall-back day: 01:00 twice, 24:00 at the end', () => {
    const start = Date.UTC(2026, 10, 1, 4);
    const end = Date.UTC(2026, 10, 2, 5);
    const ticks = generateTicks({ start, end }, 2500, NY, end).filter((t) => t.major);
    expect(ticks.map((t) => t.label)).toEqual([
      '00:00', '01:00', '01:00', '02:00', '03:00', '04:00', '05:00', '06:00', '07:00', '08:00', '09:00', '10:00', '11:00',
      '12:00', '13:00', '14:00', '15:00', '16:00', '17:00', '18:00', '19:00', '20:00', '21:00', '22:00', '23:00', '24:00',
    ]);
    expect(ticks[2].t - ticks[1].t).toBe(H);
  });

  it('labels a 23 h spring-forward day without 02:00', () => {
    const start = Date.UTC(2026, 2, 28, 23); // Europe/Berlin 2026-03-29 00:00 CET
    const end = Date.UTC(2026, 2, 29, 22); // 2026-03-30 00:00 CEST
    expect(end - start).toBe(23 * H);
    const ticks = generateTicks({ start, end }, 2300, BERLIN, end).filter((t) => t.major);
    const labels = ticks.map((t) => t.label);
    expect(labels).toHaveLength(24);
    expect(labels).not.toContain('02:00');
    expect(labels.slice(0, 4)).toEqual(['00:00', '01:00', '03:00', '04:00']);
    expect(labels.at(-1)).toBe('24:00');
  });

  it('marks at least every 6 hours even on a narrow timeline, in site time', () => {
    const start = Date.UTC(2026, 10, 1, 4);
    const end = Date.UTC(2026, 10, 2, 5);
    const major = generateTicks({ start, end }, 150, NY, end).filter((t) => t.major);
    expect(major.map((t) => t.label)).toEqual(['00:00', '06:00', '12:00', '18:00', '24:00']);
    // 06:00 EST on the fall-back day is 7 h after 00:00 EDT.
    expect(major[1].t - start).toBe(7 * H);
  });

  it('gets finer when zoomed, with seconds below a minute step, and minor ticks', () => {
    const t0 = Date.UTC(2026, 10, 20, 15, 30);
    const ticks = generateTicks({ start: t0, end: t0 + M }, 1000, BERLIN, 0);
    const major = ticks.filter((t) => t.major);
    expect(major[0].label).toBe('16:30:00');
    expect(major[1].t - major[0].t).toBe(5000);
    expect(ticks.some((t) => !t.major)).toBe(true);
    expect(ticks.every((t, i) => i === 0 || t.t > ticks[i - 1].t)).toBe(true);
  });

  it('aligns coarse steps to site time in a half-hour zone', () => {
    // Asia/Kolkata is UTC+05:30: local 06:00 is 00:30 UTC.
    const from = Date.UTC(2026, 10, 20, 0);
    const got = alignedInstants(from, from + 6 * H, 6 * H, 'Asia/Kolkata');
    expect(got).toEqual([Date.UTC(2026, 10, 20, 0, 30)]);
  });
});
