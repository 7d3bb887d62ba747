/**
 * Bookmark the moment shown: the tile's camera and the time of the frame on
 * screen, a note, and optionally a range around it (seconds before and
 * after). Escape or Cancel closes; Tab stays inside.
 */
import { useRef, useState, type FormEvent } from 'react';
import type { NewBookmark } from './bookmarksIpc';
import { formatUtc } from './bookmarkFormat';
import { useDialogKeys } from '../components/useDialogKeys';

export interface BookmarkSeed { camera: string; cameraName: string; atMs: number }

interface Props {
  seed: BookmarkSeed;
  onSubmit: (req: NewBookmark) => Promise<boolean>;
  onClose: () => void;
}

export function BookmarkDialog({ seed, onSubmit, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useDialogKeys(ref, onClose);
  const [note, setNote] = useState('');
  const [ranged, setRanged] = useState(false);
  const [before, setBefore] = useState('10');
  const [after, setAfter] = useState('10');
  const [busy, setBusy] = useState(false);
  const b = Number(before);
  const a = Number(after);
  const rangeOk = !ranged || (Number.isFinite(b) && Number.isFinite(a) && b >= 0 && a >= 0 && b + a > 0 && b + a <= 86_400);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!rangeOk || busy) return;
    setBusy(true);
    const req: NewBookmark = {
      camera: seed.camera,
      atMs: seed.atMs,
      fromMs: ranged ? Math.round(seed.atMs - b * 1000) : null,
      toMs: ranged ? Math.round(seed.atMs + a * 1000) : null,
      note: note.trim(),
    };
    const ok = await onSubmit(req);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <div className="modal-backdrop">
      <div className="modal bookmark-dialog" role="dialog" aria-modal="true" aria-label="Bookmark" ref={ref} data-at={seed.atMs} data-camera={seed.camera}>
        <h2>Bookmark</h2>
        <form onSubmit={submit}>
        <p className="muted">
          {seed.cameraName} at <time dateTime={new Date(seed.atMs).toISOString()}>{formatUtc(seed.atMs)}</time>
        </p>
        <label>
          Note
          <textarea value={note} onChange={(e) => setNote(e.target.value)} aria-label="Note" rows={3} autoFocus maxLength={2000} />
        </label>
        <label className="inline">
          <input type="checkbox" checked={ranged} onChange={(e) => setRanged(e.target.checked)} aria-label="Mark a range" />
          Mark a range around this moment
        </label>
        {ranged && (
          <div className="row bookmark-range">
            <label>
              Seconds before
              <input type="number" min={0} step={1} value={before} onChange={(e) => setBefore(e.target.value)} aria-label="Seconds before" />
            </label>
            <label>
              Seconds after
              <input type="number" min={0} step={1} value={after} onChange={(e) => setAfter(e.target.value)} aria-label="Seconds after" />
            </label>
          </div>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" disabled={busy || !rangeOk}>Save bookmark</button>
        </div>
        </form>
      </div>
    </div>
  );
}
