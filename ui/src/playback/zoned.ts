/**
 * Site-local wall-clock helpers over Intl (the browser's IANA tz database):
 * wall-clock parts of a UTC instant, the site-local date, and time labels.
 * Formatters are cached per time zone.
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsCache.set(tz, f);
  }
  return f;
}

/** Wall-clock time at the site for a UTC instant (ms). */
export function wallClock(tz: string, t: number): WallClock {
  const out: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of partsFormatter(tz).formatToParts(new Date(t))) {
    if (p.type in out) out[p.type as keyof WallClock] = Number(p.value);
  }
  if (out.hour === 24) out.hour = 0; // some engines say 24 at midnight
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Site-local calendar date of an instant, YYYY-MM-DD. */
export function siteDate(tz: string, t: number): string {
  const w = wallClock(tz, t);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** Site-local time of an instant: HH:MM, or HH:MM:SS with `seconds`. */
export function formatSiteTime(tz: string, t: number, seconds = true): string {
  const w = wallClock(tz, t);
  return seconds ? `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` : `${pad(w.hour)}:${pad(w.minute)}`;
}

/** The calendar date one day before/after `date` (YYYY-MM-DD), calendar arithmetic only. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const u = new Date(Date.UTC(y, m - 1, d + days));
  return `${u.getUTCFullYear()}-${pad(u.getUTCMonth() + 1)}-${pad(u.getUTCDate())}`;
}

/** True for a well-formed YYYY-MM-DD that names a real calendar date. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  return addDays(s, 0) === s;
}
