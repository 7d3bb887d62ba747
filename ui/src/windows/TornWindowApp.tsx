/**
 * A torn-out window (a second monitor): the grid of the layout saved for
 * this window's label, live or in playback (its own timeline and group
 * clock, the same cameras), with the same hub (URL and token) and engine
 * ingests as the main window. Its bar switches Live / Playback, changes the
 * grid size, toggles full screen (also F11) and closes the window
 * (forgotten at the next start); layout changes are saved for the next
 * start. A window always reopens in Live.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { ipc, type Camera, type GridSize, type HubInfo } from '../ipc';
import { GRID_SIZES, gridReducer, initialGridState, toLayout } from '../grid/gridState';
import { isTypingTarget, keyToAction } from '../grid/keys';
import { appKeyAction } from '../keyboard/shortcuts';
import { Grid } from '../components/Grid';
import { ModeButtons, type Mode } from '../components/TopBar';
import { PlaybackView } from '../playback/PlaybackView';
import { PlaybackSpeedsContext, SPEEDS } from '../playback/speed';
import { timelineMarkers } from '../playback/markers';
import type { Marker } from '../playback/Timeline';
import { ErrorBanner, useShownErrors } from '../components/ErrorBanner';
import { CamerasContext, speedsFor } from '../sites/capabilities';
import { windowsIpc } from './windowsIpc';
import './windows.css';

const SAVE_DEBOUNCE_MS = 300;

export function TornWindowApp({ label }: { label: string }) {
  const [hub, setHub] = useState<HubInfo | null>(null);
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [grid, dispatch] = useReducer(gridReducer, undefined, () => initialGridState());
  const [loaded, setLoaded] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  const [mode, setMode] = useState<Mode>('live');
  const [markers, setMarkers] = useState<Marker[]>([]);
  const { errors, report, dismiss: dismissError } = useShownErrors();
  const lastSaved = useRef<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    Promise.all([ipc.hubInfo(), ipc.listCameras(), windowsIpc.tornWindow()])
      .then(([h, cams, w]) => {
        if (cancelled) return;
        setHub(h);
        setCameras(cams);
        if (w) {
          dispatch({ type: 'load', layout: w.layout });
          lastSaved.current = JSON.stringify(toLayout(initialGridState(w.layout)));
          setFullscreen(w.fullscreen);
        }
        setLoaded(true);
      })
      .catch(report);
    return () => {
      cancelled = true;
    };
  }, [report]);

  // Save the layout (debounced) when a tile or the grid size changes.
  const layoutJson = JSON.stringify(toLayout(grid));
  useEffect(() => {
    if (!loaded || layoutJson === lastSaved.current) return;
    const t = setTimeout(() => {
      lastSaved.current = layoutJson;
      windowsIpc.saveTornLayout(JSON.parse(layoutJson)).catch(report);
    }, SAVE_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [layoutJson, loaded, report]);

  const toggleFullscreen = useCallback(() => {
    windowsIpc.toggleFullscreen().then(setFullscreen, report);
  }, [report]);

  // F11 or F: full screen of this window; Escape leaves it; 1-9 select a tile; L / P: Live / Playback.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTypingTarget(e.target)) return;
      if (e.key === 'F11' || ((e.key === 'f' || e.key === 'F') && !e.ctrlKey && !e.altKey && !e.metaKey)) {
        e.preventDefault();
        toggleFullscreen();
        return;
      }
      if (e.key === 'Escape' && fullscreen && grid.maximized === null) {
        e.preventDefault();
        toggleFullscreen();
        return;
      }
      const app = appKeyAction(e);
      if (app?.type === 'mode') {
        e.preventDefault();
        setMode(app.mode);
        return;
      }
      const a = keyToAction(e, grid);
      if (!a || a.type === 'toggleFullscreen') return;
      e.preventDefault();
      dispatch(a);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [grid, fullscreen, toggleFullscreen]);

  // case and bookmark marks on the timeline, read again each time Playback is shown
  useEffect(() => {
    if (mode === 'playback') timelineMarkers().then(setMarkers, report);
  }, [mode, report]);

  const byId = useMemo(() => new Map(cameras.map((c) => [c.id, c])), [cameras]);
  const tilesKey = grid.tiles.join('\n');
  const speeds = useMemo(() => speedsFor(tilesKey.split('\n').map((id) => byId.get(id)), SPEEDS), [tilesKey, byId]);
  const n = label.replace(/^tearout-/, '');
  return (
    <CamerasContext.Provider value={byId}>
      <PlaybackSpeedsContext.Provider value={speeds}>
        <div className="app torn-window" data-torn-window={label} data-loaded={loaded} data-fullscreen={fullscreen} data-mode={mode}>
          <header className="topbar torn-bar">
            <span className="brand">Vigil</span>
            <span className="torn-title">Window {n}</span>
            <ModeButtons mode={mode} onMode={setMode} />
            <div className="layout-buttons" role="group" aria-label="Layout">
              {GRID_SIZES.map((g: GridSize) => (
                <button key={g} data-grid-button={g} aria-pressed={grid.grid === g} className={grid.grid === g ? 'active' : ''} onClick={() => dispatch({ type: 'setGrid', grid: g })}>
                  {g}
                </button>
              ))}
            </div>
            <div className="spacer" />
            <button className="torn-fullscreen" aria-pressed={fullscreen} title="Full screen (F11)" onClick={toggleFullscreen}>
              {fullscreen ? 'Leave full screen' : 'Full screen'}
            </button>
            <button className="torn-close" title="Close this window (not reopened at the next start)" onClick={() => windowsIpc.close().catch(report)}>
              Close window
            </button>
          </header>
          <ErrorBanner errors={errors} onDismiss={dismissError} />
          <div className="body">
            {mode === 'live' ? (
              <Grid state={grid} cameras={byId} hub={hub} dispatch={dispatch} />
            ) : (
              <PlaybackView state={grid} cameras={byId} hub={hub} dispatch={dispatch} report={report} markers={markers} />
            )}
          </div>
        </div>
      </PlaybackSpeedsContext.Provider>
    </CamerasContext.Provider>
  );
}
