/**
 * The camera tree (cameras grouped under their site, in the engine's site
 * order; a camera of a site the engine did not list gets its own group) and
 * the words and times shown for a site's state, and which sites the
 * operator manages.
 */
import type { Camera } from '../ipc';
import type { KindSpec, SiteStateName, SiteStatus } from './sitesIpc';

export interface SiteGroup {
  /** The site id. */
  id: string;
  name: string;
  /** null when the engine did not list the site (no state known). */
  status: SiteStatus | null;
  cameras: Camera[];
}

/** Group cameras by site: listed sites first (even with no camera), then unknown sites by first appearance. */
export function groupBySite(cameras: Camera[], sites: SiteStatus[]): SiteGroup[] {
  const groups = new Map<string, SiteGroup>();
  for (const s of sites) groups.set(s.site.id, { id: s.site.id, name: s.site.name, status: s, cameras: [] });
  for (const c of cameras) {
    let g = groups.get(c.site);
    if (!g) {
      g = { id: c.site, name: c.site_name || c.site, status: null, cameras: [] };
      groups.set(c.site, g);
    }
    g.cameras.push(c);
  }
  return [...groups.values()];
}

const LABELS: Record<SiteStateName, string> = {
  online: 'Online',
  connecting: 'Connecting',
  auth_failed: 'Auth failed',
  unreachable: 'Unreachable',
  untrusted: 'Certificate not trusted',
  error: 'Error',
};

export function stateLabel(state: SiteStateName | string): string {
  return LABELS[state as SiteStateName] ?? state;
}

/** The site's state in one line: "Unreachable: connection refused". */
export function stateLine(s: SiteStatus): string {
  const label = stateLabel(s.health.state);
  return s.health.message && s.health.state !== 'online' ? `${label}: ${s.health.message}` : label;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as YYYY-MM-DD HH:MM:SS in the site's time zone (the machine's if the zone is unknown). */
export function formatSiteDateTime(ms: number, tz: string): string {
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    f = new Intl.DateTimeFormat('en-US', { hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = Number(part.value);
  const hour = p.hour === 24 ? 0 : p.hour;
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** "Last seen" text: the site-local time with the zone, or "never". */
export function lastSeen(s: SiteStatus): string {
  const t = s.health.last_seen_ms;
  return t ? `${formatSiteDateTime(t, s.site.time_zone)} ${s.site.time_zone}` : 'never';
}

/** What changed in a poll that means the camera list must be fetched again. */
export function sitesSignature(sites: SiteStatus[]): string {
  return sites.map((s) => `${s.site.id}:${s.camera_count}:${s.health.state}`).join('|');
}

/**
 * Whether a site is built in (the demo site, the recordings): its kind is one
 * the operator cannot add, so the engine refuses to edit or remove it. A kind
 * not (yet) known counts as the operator's.
 */
export function isBuiltIn(kind: string, kinds: readonly KindSpec[] | null): boolean {
  return kinds?.find((k) => k.kind === kind)?.addable === false;
}
