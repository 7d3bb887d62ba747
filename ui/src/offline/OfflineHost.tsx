/**
 * Offline investigation in the window: the Open dialog, files and folders
 * dropped on the window (Tauri's drag-and-drop event, no plugin), the paths
 * of `vigil-app PATH...` (asked for once at start), the start-time dialog
 * for files nobody knows the start of, and the package banner. After an open
 * the app reloads its sites and cameras (`onOpened`).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { offlineIpc, type OfflineOpen, type PackageBanner } from './offlineIpc';
import { openSummary, playFrom } from './offlineFormat';
import { OpenDialog } from './OpenDialog';
import { StartTimeDialog } from './StartTimeDialog';
import { PackageBannerView } from './PackageBannerView';
import './offline.css';

interface Props {
  /** The Open dialog is shown (the top bar's "Open…"). */
  dialogOpen: boolean;
  onDialogClose: () => void;
  onOpened: (result: OfflineOpen) => void;
  /** Play these cameras in Playback from `at` (UTC ms). */
  onPlay: (cameras: string[], at: number) => void;
  report: (e: unknown) => void;
}

const message = (e: unknown) => (e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e));

export function OfflineHost({ dialogOpen, onDialogClose, onOpened, onPlay, report }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [last, setLast] = useState<{ paths: string[]; result: OfflineOpen } | null>(null);
  const [needs, setNeeds] = useState<string[]>([]);
  const [banner, setBanner] = useState<PackageBanner | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const dialogRef = useRef(dialogOpen);
  dialogRef.current = dialogOpen;

  const open = useCallback(
    async (paths: string[]) => {
      setBusy(true);
      setError(null);
      try {
        const result = await offlineIpc.open(paths);
        setLast({ paths, result });
        setNeeds(result.needs_start);
        setBanner(result.package);
        setNote(openSummary(result));
        onOpened(result);
        onDialogClose();
      } catch (e) {
        // in the dialog the error stays next to the paths; dropped files report in the error banner
        if (dialogRef.current) setError(message(e));
        else report(e);
      } finally {
        setBusy(false);
      }
    },
    [onOpened, onDialogClose, report],
  );

  // `vigil-app PATH...`: the paths given on the command line, once
  useEffect(() => {
    offlineIpc.startupPaths().then((paths) => {
      if (paths.length) void open(paths);
    }, report);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // files and folders dropped on the window
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let gone = false;
    try {
      getCurrentWebview()
        .onDragDropEvent((ev) => {
          const p = ev.payload;
          if (p.type === 'enter') setDragging(true);
          else if (p.type === 'leave') setDragging(false);
          else if (p.type === 'drop') {
            setDragging(false);
            if (p.paths.length) void open(p.paths);
          }
        })
        .then(
          (u) => (gone ? u() : (unlisten = u)),
          () => undefined, // outside Tauri (tests in a browser): nothing is dropped
        );
    } catch {
      /* outside Tauri */
    }
    return () => {
      gone = true;
      unlisten?.();
    };
  }, [open]);

  const saveStarts = async (starts: { path: string; civil: string; zone: string }[]) => {
    setBusy(true);
    setError(null);
    try {
      for (const s of starts) await offlineIpc.setFileStart(s.path, s.civil, s.zone);
      if (last) {
        const result = await offlineIpc.open(last.paths);
        setLast({ paths: last.paths, result });
        setNeeds(result.needs_start);
        setBanner(result.package);
        setNote(openSummary(result));
        onOpened(result);
      } else setNeeds([]);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const play = last ? playFrom(last.result) : null;
  return (
    <>
      {banner && <PackageBannerView banner={banner} onDismiss={() => setBanner(null)} />}
      {note && (
        <div className="offline-opened" role="status" data-offline-site={last?.result.site.id}>
          <span>Opened {note}</span>
          {play && (
            <button type="button" className="offline-play" onClick={() => onPlay(play.cameras, play.at)}>
              Play from {new Date(play.at).toLocaleString()}
            </button>
          )}
          <button type="button" aria-label="Dismiss" onClick={() => setNote(null)}>
            ×
          </button>
        </div>
      )}
      {dragging && <div className="offline-drop">Drop files or folders to open them</div>}
      {dialogOpen && (
        <OpenDialog
          busy={busy}
          error={error}
          onOpen={open}
          onClose={() => {
            setError(null);
            onDialogClose();
          }}
        />
      )}
      {!dialogOpen && needs.length > 0 && (
        <StartTimeDialog files={needs} busy={busy} error={error} onSubmit={saveStarts} onClose={() => setNeeds([])} />
      )}
    </>
  );
}
