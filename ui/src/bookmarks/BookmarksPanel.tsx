/**
 * The bookmark list: search (note or camera), each bookmark with its camera,
 * time, range and note; "Play" jumps to Playback at that moment on that
 * camera, "Export clip" cuts its range from the recording (the path is
 * shown), "Delete" removes it. Escape closes the panel.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Camera } from '../ipc';
import { bookmarksIpc, type Bookmark, type BookmarkClip } from './bookmarksIpc';
import { formatRange, formatUtc } from './bookmarkFormat';

interface Props {
  cameras: Camera[];
  /** Bumped when a bookmark was added elsewhere (reload the list). */
  version: number;
  onJump: (b: Bookmark) => void;
  onChanged: () => void;
  onClose: () => void;
  report: (e: unknown) => void;
}

export function BookmarksPanel({ cameras, version, onJump, onChanged, onClose, report }: Props) {
  const [text, setText] = useState('');
  const [list, setList] = useState<Bookmark[] | null>(null);
  const [clips, setClips] = useState<Record<number, BookmarkClip | 'busy'>>({});
  const names = new Map(cameras.map((c) => [c.id, c.name]));

  const load = useCallback(
    (q: string) => bookmarksIpc.listBookmarks({ text: q.trim() || null }).then(setList, report),
    [report],
  );
  useEffect(() => {
    const t = setTimeout(() => load(text), 150);
    return () => clearTimeout(t);
  }, [text, version, load]);

  const exportClip = async (b: Bookmark) => {
    setClips((c) => ({ ...c, [b.id]: 'busy' }));
    try {
      const clip = await bookmarksIpc.exportBookmarkClip(b.id);
      setClips((c) => ({ ...c, [b.id]: clip }));
    } catch (e) {
      setClips((c) => Object.fromEntries(Object.entries(c).filter(([k]) => Number(k) !== b.id)));
      report(e);
    }
  };
  const remove = async (b: Bookmark) => {
    try {
      await bookmarksIpc.deleteBookmark(b.id);
      onChanged();
      load(text);
    } catch (e) {
      report(e);
    }
  };

  return (
    <aside
      className="bookmarks-panel"
      aria-label="Bookmarks"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="bm-head">
        <h2>Bookmarks</h2>
        <button className="bm-close" aria-label="Close bookmarks" title="Close (Esc)" onClick={onClose}>
          ×
        </button>
      </div>
      <input
        type="search"
        className="bm-search"
        aria-label="Search bookmarks"
        placeholder="Search notes and cameras"
        value={text}
        onChange={(e) => setText(e.target.value)}
        autoFocus
      />
      {list === null ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted bm-empty">{text.trim() ? 'No bookmark matches.' : 'No bookmarks yet: use ★ on a tile (or B) to mark the moment shown.'}</p>
      ) : (
        <ul className="bm-list">
          {list.map((b) => {
            const clip = clips[b.id];
            const range = formatRange(b);
            return (
              <li key={b.id} className="bm-item" data-bookmark-id={b.id} data-camera={b.camera} data-at={b.atMs}>
                <div className="bm-line">
                  <span className="bm-camera">{names.get(b.camera) ?? b.camera}</span>
                  <time className="bm-time" dateTime={new Date(b.atMs).toISOString()}>{formatUtc(b.atMs)}</time>
                </div>
                {range && <div className="bm-range muted">Range {range}</div>}
                {b.note && <div className="bm-note">{b.note}</div>}
                <div className="bm-buttons">
                  <button onClick={() => onJump(b)} aria-label={`Play bookmark ${b.id}`}>Play</button>
                  <button onClick={() => exportClip(b)} disabled={clip === 'busy'} aria-label={`Export clip of bookmark ${b.id}`}>
                    {clip === 'busy' ? 'Exporting…' : 'Export clip'}
                  </button>
                  <button onClick={() => remove(b)} aria-label={`Delete bookmark ${b.id}`}>Delete</button>
                </div>
                {clip && clip !== 'busy' && (
                  <div className="bm-clip" data-clip-path={clip.path} data-clip-bytes={clip.bytes} data-clip-start={clip.actualStartMs} data-clip-end={clip.actualEndMs}>
                    Clip saved: <code>{clip.path}</code> ({Math.round(clip.bytes / 1024)} KiB)
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </aside>
  );
}
