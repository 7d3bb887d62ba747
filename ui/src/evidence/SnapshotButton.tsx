/**
 * "Snapshot" on a playback tile: writes the recorded frame at the time shown
 * (PNG, camera name and site time burned in) under the media root's
 * `exports/`, then shows where it went and the frame's exact time for a few
 * seconds (or why it failed) over the tile.
 */
import { useEffect, useState } from 'react';
import { toIpcError } from '../ipc';
import { evidenceIpc, type SnapshotFile } from './evidenceIpc';

/** How long the result stays over the tile. */
const SHOWN_MS = 10_000;

interface Props {
  cameraId: string;
  index: number;
  /** The recording time of the frame on screen. */
  at: () => number;
}

export function SnapshotButton({ cameraId, index, at }: Props) {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<SnapshotFile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!done && !error) return;
    const t = setTimeout(() => {
      setDone(null);
      setError(null);
    }, SHOWN_MS);
    return () => clearTimeout(t);
  }, [done, error]);
  const take = async () => {
    setBusy(true);
    setDone(null);
    setError(null);
    try {
      setDone(await evidenceIpc.snapshot(cameraId, Math.round(at()), false, true));
    } catch (e) {
      setError(toIpcError(e).message);
    }
    setBusy(false);
  };
  return (
    <>
      <button
        className="tile-btn tile-snapshot"
        title="Snapshot of the frame shown (PNG with camera and time)"
        aria-label={`Snapshot tile ${index + 1}`}
        disabled={busy}
        onClick={(e) => {
          e.stopPropagation();
          void take();
        }}
        onDoubleClick={(e) => e.stopPropagation()}
      >
        <span aria-hidden="true">◉</span>
      </button>
      {(done || error) && (
        <div
          className={error ? 'snapshot-note error' : 'snapshot-note'}
          role="status"
          data-path={done?.path ?? ''}
          data-frame-ms={done?.frameMs ?? ''}
          onClick={(e) => e.stopPropagation()}
        >
          {done ? (
            <>
              Snapshot {done.width}×{done.height} at {new Date(done.frameMs).toISOString()}: <code>{done.path}</code>
            </>
          ) : (
            <>Snapshot failed: {error}</>
          )}
        </div>
      )}
    </>
  );
}
