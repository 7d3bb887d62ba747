/**
 * Application shell: loads hub info, cameras and the current layout from the
 * engine, wires the sidebar, top bar and the Live grid or the Playback view
 * (each with its own grid state; Playback starts from the live layout),
 * persists the live layout (debounced), and handles grid keyboard shortcuts
 * and full screen.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { ipc, toIpcError, type AddOnvifRequest, type AddRtspCameraRequest, type Camera, type GridSize, type HubInfo, type SavedLayout } from './ipc';
import { gridReducer, initialGridState, toLayout } from './grid/gridState';
import { isTypingTarget, keyToAction } from './grid/keys';
import { Grid } from './components/Grid';
import { Sidebar } from './components/Sidebar';
import { TopBar, type Mode } from './components/TopBar';
import { AddCameraDialog } from './components/AddCameraDialog';
import { ErrorBanner, type ShownError } from './components/ErrorBanner';
import { PlaybackView } from './playback/PlaybackView';
import { CasesPanel } from './cases/CasesPanel';
import type { NewCaseSeed } from './cases/NewCaseDialog';
import { caseMarkers } from './cases/casesIpc';
import { reviewLayout } from './cases/review';
import type { Marker } from './playback/Timeline';

const SAVE_DEBOUNCE_MS = 300;

export function App() {
  const [hub, setHub] = useState<HubInfo | null>(null);
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [saved, setSaved] = useState<SavedLayout[]>([]);
  const [liveGrid, liveDispatch] = useReducer(gridReducer, undefined, () => initialGridState());
  const [pbGrid, pbDispatch] = useReducer(gridReducer, undefined, () => initialGridState());
  const [mode, setMode] = useState<Mode>('live');
  const pbStarted = useRef(false);
  const grid = mode === 'live' ? liveGrid : pbGrid;
  const dispatch = mode === 'live' ? liveDispatch : pbDispatch;
  const [loaded, setLoaded] = useState(false);
  const [adding, setAdding] = useState(false);
  const [errors, setErrors] = useState<ShownError[]>([]);
  const [casesOpen, setCasesOpen] = useState(false);
  const [caseSeed, setCaseSeed] = useState<NewCaseSeed | null>(null);
  const [review, setReview] = useState<{ at: number; n: number } | null>(null);
  const [markers, setMarkers] = useState<Marker[]>([]);
  const errorId = useRef(0);
  const lastSaved = useRef<string | null>(null);

  const report = useCallback((e: unknown) => {
    const err = toIpcError(e);
    setErrors((list) => [...list.slice(-4), { ...err, id: ++errorId.current }]);
  }, []);

  useEffect(() => {
    let cancelled = false;
    Promise.all([ipc.hubInfo(), ipc.listCameras(), ipc.getCurrentLayout()])
      .then(([h, cams, layout]) => {
        if (cancelled) return;
        setHub(h);
        setCameras(cams);
        liveDispatch({ type: 'load', layout });
        lastSaved.current = JSON.stringify(toLayout(initialGridState(layout)));
        setLoaded(true);
      })
      .catch(report);
    ipc.listSavedLayouts().then((s) => !cancelled && setSaved(s), report);
    return () => {
      cancelled = true;
    };
  }, [report]);

  // Persist the current (live) layout whenever the grid or an assignment changes.
  const layoutJson = JSON.stringify(toLayout(liveGrid));
  useEffect(() => {
    if (!loaded || layoutJson === lastSaved.current) return;
    const t = setTimeout(() => {
      lastSaved.current = layoutJson;
      ipc.saveCurrentLayout(JSON.parse(layoutJson)).catch(report);
    }, SAVE_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [layoutJson, loaded, report]);

  // Keyboard: 1-9 select, F full screen, Esc restore.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTypingTarget(e.target)) return;
      const a = keyToAction(e, grid);
      if (!a) return;
      e.preventDefault();
      dispatch(a);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [grid, dispatch]);

  // Full screen follows the grid state; leaving it from the browser restores.
  useEffect(() => {
    const el = document.documentElement;
    if (grid.fullscreen && !document.fullscreenElement && el.requestFullscreen) {
      el.requestFullscreen().catch(() => undefined);
    } else if (!grid.fullscreen && document.fullscreenElement && document.exitFullscreen) {
      document.exitFullscreen().catch(() => undefined);
    }
  }, [grid.fullscreen]);
  useEffect(() => {
    const onChange = () => {
      if (!document.fullscreenElement) dispatch({ type: 'restore' });
    };
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, [dispatch]);

  const switchMode = (m: Mode) => {
    if (m === 'playback' && !pbStarted.current) {
      pbStarted.current = true;
      pbDispatch({ type: 'load', layout: toLayout(liveGrid) });
    }
    if (grid.fullscreen) dispatch({ type: 'restore' });
    setCasesOpen(false); // Live and Playback show the grid, not the case panel over it
    setMode(m);
  };

  // case markers on the playback timeline (the archive's 7 days and today)
  useEffect(() => {
    if (mode !== 'playback') return;
    const now = Date.now();
    caseMarkers(now - 8 * 86_400_000, now + 60_000).then(
      (ms) => setMarkers(ms.map((m) => ({ at: m.eventMs, kind: 'case', label: `${m.label} ${m.title}` }))),
      report,
    );
  }, [mode, review, report]);

  const byId = useMemo(() => new Map(cameras.map((c) => [c.id, c])), [cameras]);

  const addCamera = async (req: AddRtspCameraRequest) => {
    try {
      const cam = await ipc.addRtspCamera(req);
      setCameras((list) => [...list.filter((c) => c.id !== cam.id), cam]);
      return true;
    } catch (e) {
      report(e);
      return false;
    }
  };
  const addOnvif = async (req: AddOnvifRequest) => {
    try {
      const added = await ipc.addOnvifDevice(req);
      const ids = new Set(added.map((c) => c.id));
      setCameras((list) => [...list.filter((c) => !ids.has(c.id)), ...added]);
      return true;
    } catch (e) {
      report(e);
      return false;
    }
  };
  const removeCamera = (id: string) => {
    ipc.removeCamera(id).then(() => {
      setCameras((list) => list.filter((c) => c.id !== id));
      liveDispatch({ type: 'removeCamera', camera: id });
      pbDispatch({ type: 'removeCamera', camera: id });
    }, report);
  };
  const refreshSaved = () => ipc.listSavedLayouts().then(setSaved, report);
  const saveNamed = (name: string) => {
    ipc.saveNamedLayout(name, toLayout(grid)).then(refreshSaved, report);
  };
  const loadNamed = (name: string) => {
    const s = saved.find((x) => x.name === name);
    if (s) dispatch({ type: 'load', layout: s.layout });
  };
  const deleteNamed = (name: string) => {
    ipc.deleteNamedLayout(name).then(refreshSaved, report);
  };

  return (
    <div className={grid.fullscreen ? 'app fullscreen' : 'app'} data-loaded={loaded} data-mode={mode}>
      <TopBar
        mode={mode}
        onMode={switchMode}
        grid={grid.grid}
        saved={saved}
        onGrid={(g: GridSize) => dispatch({ type: 'setGrid', grid: g })}
        onSave={saveNamed}
        onLoad={loadNamed}
        onDelete={deleteNamed}
        onCases={() => setCasesOpen((o) => !o)}
      />
      <ErrorBanner errors={errors} onDismiss={(id) => setErrors((l) => l.filter((e) => e.id !== id))} />
      <div className="body">
        <Sidebar
          cameras={cameras}
          onPick={(id) => dispatch({ type: 'assignSelected', camera: id })}
          onAdd={() => setAdding(true)}
          onRemove={removeCamera}
        />
        {mode === 'live' ? (
          <Grid
            state={liveGrid}
            cameras={byId}
            hub={hub}
            dispatch={liveDispatch}
            onNewCase={(camera, frameMs) => {
              setCaseSeed({ equipmentId: camera, eventMs: frameMs });
              setCasesOpen(true);
            }}
          />
        ) : (
          <PlaybackView
            key={review?.n ?? 0}
            state={pbGrid}
            cameras={byId}
            hub={hub}
            dispatch={pbDispatch}
            report={report}
            markers={markers}
            startAt={review?.at}
          />
        )}
      </div>
      {casesOpen && (
        <CasesPanel
          cameras={cameras}
          hub={hub}
          seed={caseSeed}
          onSeedUsed={() => setCaseSeed(null)}
          onClose={() => setCasesOpen(false)}
          onReview={(cams, eventMs) => {
            // synchronized playback of the case's cameras from the window start
            setCasesOpen(false);
            pbStarted.current = true;
            pbDispatch({ type: 'load', layout: reviewLayout(cams) });
            setReview((r) => ({ at: eventMs - 5_000, n: (r?.n ?? 0) + 1 }));
            switchMode('playback');
          }}
          report={report}
        />
      )}
      {adding && <AddCameraDialog onSubmit={addCamera} onSubmitOnvif={addOnvif} onClose={() => setAdding(false)} />}
    </div>
  );
}
