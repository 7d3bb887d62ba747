/**
 * "Open…" dialog: pick files or a folder with the system's file chooser,
 * type or paste paths (one a line), or click a recently opened entry; the
 * chosen paths open as an offline site.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useDialogKeys } from '../components/useDialogKeys';
import { toIpcError } from '../ipc';
import { offlineIpc, type RecentOpen } from './offlineIpc';
import { baseName, parsePaths } from './offlineFormat';

interface Props {
  busy: boolean;
  error: string | null;
  onOpen: (paths: string[]) => void;
  onClose: () => void;
}

export function OpenDialog({ busy, error, onOpen, onClose }: Props) {
  const [text, setText] = useState('');
  const [recent, setRecent] = useState<RecentOpen[]>([]);
  useEffect(() => {
    let live = true;
    offlineIpc.recent().then(
      (r) => live && setRecent(r),
      () => undefined, // no recent list is no reason to stop the operator
    );
    return () => {
      live = false;
    };
  }, []);
  const [choosing, setChoosing] = useState(false);
  const [chooseError, setChooseError] = useState<string | null>(null);
  const paths = parsePaths(text);
  const choose = (kind: 'files' | 'folder') => {
    setChoosing(true);
    setChooseError(null);
    offlineIpc.choose(kind).then(
      (chosen) => {
        setChoosing(false);
        if (chosen.length) onOpen(chosen);
      },
      (e: unknown) => {
        setChoosing(false);
        setChooseError(toIpcError(e).message);
      },
    );
  };
  const dialogRef = useRef<HTMLDivElement>(null);
  useDialogKeys(dialogRef, onClose);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (paths.length && !busy) onOpen(paths);
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className="modal offline-dialog" role="dialog" aria-modal="true" aria-label="Open files or folders" ref={dialogRef}>
        <h2>Open files or folders</h2>
        <div className="offline-choose">
          <button type="button" className="offline-choose-files" disabled={busy || choosing} onClick={() => choose('files')}>
            Choose files…
          </button>
          <button type="button" className="offline-choose-folder" disabled={busy || choosing} onClick={() => choose('folder')}>
            Choose folder…
          </button>
          {choosing && <span className="offline-busy">Waiting for the file chooser…</span>}
        </div>
        <form onSubmit={submit}>
          <label>
            Or paths, one a line (or drop them on the window)
            <textarea
              name="offline-paths"
              rows={3}
              autoFocus
              spellCheck={false}
              placeholder="/media/usb/export"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          {chooseError && (
            <div className="site-error offline-error" role="alert">
              {chooseError}
            </div>
          )}
          {error && (
            <div className="site-error offline-error" role="alert">
              {error}
            </div>
          )}
          {busy && <div className="offline-busy">Reading the files…</div>}
          {recent.length > 0 && (
            <div className="offline-recent">
              <div className="offline-recent-title">Recent</div>
              <ul>
                {recent.map((r) => (
                  <li key={`${r.site_id}:${r.paths.join('\n')}`}>
                    <button type="button" disabled={busy} title={r.paths.join('\n')} data-recent-site={r.site_id} onClick={() => onOpen(r.paths)}>
                      {r.paths.map(baseName).join(', ')}
                    </button>
                    <span className="offline-recent-when">{new Date(r.opened_ms).toLocaleString()}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="actions">
            <button type="button" className="offline-cancel" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="submit" disabled={busy || paths.length === 0}>
              Open
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
