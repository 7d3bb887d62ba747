/**
 * Pure helpers of the offline UI: the paths typed or pasted into the Open
 * dialog, the package banner's tone and words, the start-time form's checks
 * and a file's short name.
 */
import type { OfflineOpen, PackageBanner } from '../bindings/engine';

/**
 * The paths in what the operator typed or pasted: one per line, trimmed,
 * surrounding quotes dropped, `file://` URIs (a file manager's copy) decoded;
 * empty lines and repeats left out.
 */
export function parsePaths(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let p = raw.trim();
    if (p.length >= 2 && ((p.startsWith('"') && p.endsWith('"')) || (p.startsWith("'") && p.endsWith("'")))) p = p.slice(1, -1).trim();
    if (p.startsWith('file://')) {
      try {
        p = decodeURIComponent(new URL(p).pathname);
      } catch {
        /* kept as typed: the engine names what is wrong */
      }
    }
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}

export type BannerTone = 'ok' | 'bad' | 'warn';

/** What the package banner says: its tone, its headline, and the files named. */
export function bannerText(b: PackageBanner): { tone: BannerTone; text: string; details: string[] } {
  switch (b.state) {
    case 'verified':
      return { tone: 'ok', text: `Package verified by key ${b.fingerprint ?? '(no fingerprint)'}`, details: [] };
    case 'tampered':
      return { tone: 'bad', text: `Package TAMPERED: ${b.problems.length} file(s) changed, missing or added`, details: b.problems };
    case 'unsigned':
      return { tone: 'warn', text: 'Package unsigned: its files cannot be proven unchanged', details: b.problems };
    case 'unknown_key':
      return {
        tone: 'warn',
        text: `Package signed by an unknown key ${b.fingerprint ?? ''}`.trim(),
        details: b.problems,
      };
    default:
      return { tone: 'bad', text: 'Package could not be checked', details: b.problems };
  }
}

/** A civil time as the start dialog takes it: `YYYY-MM-DDTHH:MM[:SS]` (seconds added when missing). */
export function civilTime(value: string): string | null {
  const v = value.trim().replace(' ', 'T');
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/.exec(v);
  if (!m) return null;
  return `${m[1]}T${m[2]}${m[3] ?? ':00'}`;
}

/** The last part of a path (either separator). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** One line about what opening found. */
export function openSummary(o: OfflineOpen): string {
  const files = o.files.length;
  const bad = o.files.filter((f) => f.problem).length;
  const parts = [`${o.cameras.length} camera(s)`, `${files} file(s)`];
  if (bad) parts.push(`${bad} with problems`);
  if (o.needs_start.length) parts.push(`${o.needs_start.length} need a start time`);
  if (o.left_out) parts.push(`${o.left_out} left out (too many)`);
  return `${o.site.name}: ${parts.join(', ')}`;
}

/** Where to start playing an open: its cameras with spans (ids) and the earliest span start, or null when nothing plays. */
export function playFrom(o: OfflineOpen): { cameras: string[]; at: number } | null {
  const withSpans = o.cameras.filter((c) => c.spans.length > 0);
  if (!withSpans.length) return null;
  const at = Math.min(...withSpans.map((c) => c.spans[0].start));
  return { cameras: withSpans.map((c) => c.id), at };
}
