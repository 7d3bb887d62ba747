/**
 * Asks the operator for the start time (and its zone) of files whose start
 * nobody knows; each filled one is remembered by the engine, then the paths
 * are opened again so those files play.
 */
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useDialogKeys } from '../components/useDialogKeys';
import { timeZoneList } from '../sites/siteForm';
import { baseName, civilTime } from './offlineFormat';

interface Props {
  files: string[];
  busy: boolean;
  error: string | null;
  /** The starts given (path, civil time, zone); files left empty are skipped. */
  onSubmit: (starts: { path: string; civil: string; zone: string }[]) => void;
  onClose: () => void;
}

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function StartTimeDialog({ files, busy, error, onSubmit, onClose }: Props) {
  const [zone, setZone] = useState(localZone);
  const [times, setTimes] = useState<Record<string, string>>({});
  const zones = useMemo(() => timeZoneList([zone]), [zone]);
  const given = files.flatMap((path) => {
    const civil = civilTime(times[path] ?? '');
    return civil ? [{ path, civil, zone }] : [];
  });
  const dialogRef = useRef<HTMLDivElement>(null);
  useDialogKeys(dialogRef, onClose);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (given.length && !busy) onSubmit(given);
  };
  return (
    <div className="modal-backdrop">
      <div className="modal offline-dialog" role="dialog" aria-modal="true" aria-label="Start times" ref={dialogRef}>
        <h2>When did these files start?</h2>
        <p className="offline-note">Neither their names nor their contents say. Give each file's first frame time; it is remembered for the file.</p>
        <form onSubmit={submit}>
          <label>
            Time zone
            <select name="offline-zone" value={zone} onChange={(e) => setZone(e.target.value)}>
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          </label>
          <ul className="offline-starts">
            {files.map((path) => (
              <li key={path} data-needs-start={path}>
                <span className="offline-file" title={path}>
                  {baseName(path)}
                </span>
                <input
                  name="offline-start"
                  placeholder="YYYY-MM-DD HH:MM:SS"
                  spellCheck={false}
                  aria-invalid={times[path] && !civilTime(times[path]) ? true : undefined}
                  aria-label={`Start of ${baseName(path)}`}
                  value={times[path] ?? ''}
                  onChange={(e) => setTimes((t) => ({ ...t, [path]: e.target.value }))}
                />
              </li>
            ))}
          </ul>
          {error && (
            <div className="site-error offline-error" role="alert">
              {error}
            </div>
          )}
          <div className="actions">
            <button type="button" onClick={onClose} disabled={busy}>
              Later
            </button>
            <button type="submit" disabled={busy || given.length === 0}>
              Save start times
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
