/**
 * The marks a playback timeline shows: the cases and bookmarks of the
 * archive's last 7 days and today, read from the engine.
 */
import { caseMarkers } from '../cases/casesIpc';
import { bookmarksIpc } from '../bookmarks/bookmarksIpc';
import type { Marker } from './Timeline';

const ARCHIVE_MS = 8 * 86_400_000;

/** Case and bookmark marks from 8 days before `now` to a minute after it. */
export async function timelineMarkers(now: number = Date.now()): Promise<Marker[]> {
  const [cs, bs] = await Promise.all([
    caseMarkers(now - ARCHIVE_MS, now + 60_000),
    bookmarksIpc.listBookmarks({ fromMs: now - ARCHIVE_MS, toMs: now + 60_000 }),
  ]);
  return [
    ...cs.map((m): Marker => ({ at: m.eventMs, kind: 'case', label: `${m.label} ${m.title}` })),
    ...bs.map((b): Marker => ({ at: b.atMs, kind: 'bookmark', label: `Bookmark: ${b.note || b.camera}`, id: b.id, camera: b.camera })),
  ];
}
