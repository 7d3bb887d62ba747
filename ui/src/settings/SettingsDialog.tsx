/**
 * Settings: the media root (the folder case footage and bookmark clips are
 * written under; an absolute path). Loaded from the engine, saved there.
 * Also this install's evidence signing key (fingerprint, public key).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { bookmarksIpc } from '../bookmarks/bookmarksIpc';
import { toIpcError } from '../ipc';
import { useDialogKeys } from '../components/useDialogKeys';
import { EvidenceKeyInfo } from '../evidence/EvidenceKeyInfo';
import { BusSettingsSection } from '../bus/BusSettingsSection';

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useDialogKeys(ref, onClose);
  const [root, setRoot] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    bookmarksIpc.getMediaRoot().then(
      (r) => setRoot(r ?? ''),
      (e) => {
        setRoot('');
        setError(toIpcError(e).message);
      },
    );
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (root === null) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await bookmarksIpc.setMediaRoot(root.trim());
      setSaved(true);
    } catch (err) {
      setError(toIpcError(err).message);
    }
    setBusy(false);
  };
  return (
    <div className="modal-backdrop">
      <div className="modal settings-dialog" role="dialog" aria-modal="true" aria-label="Settings" ref={ref}>
        <h2>Settings</h2>
        <form onSubmit={submit}>
          <label>
            Media root (case footage and bookmark clips are written here)
            <input
              name="mediaRoot"
              aria-label="Media root"
              value={root ?? ''}
              placeholder="/srv/vigil/media"
              disabled={root === null}
              onChange={(e) => {
                setRoot(e.target.value);
                setSaved(false);
              }}
              autoFocus
            />
          </label>
          {error && <p className="field-error" role="alert">{error}</p>}
          {saved && <p className="muted" data-saved="true" role="status">Saved.</p>}
          <div className="dialog-buttons">
            <button type="button" onClick={onClose}>Close</button>
            <button type="submit" disabled={busy || root === null || !root.trim()}>Save</button>
          </div>
        </form>
        <EvidenceKeyInfo />
        <BusSettingsSection />
      </div>
    </div>
  );
}
