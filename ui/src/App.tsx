/**
 * Application shell: loads hub info, cameras and the current layout from the
 * engine, wires the sidebar, top bar and the Live grid or the Playback view
 * (each with its own grid state; Playback starts from the live layout),
 * persists the live layout (debounced), and handles grid keyboard shortcuts
 * and full screen. Sites: polls their states while the window is visible
 * (and on focus), reloads the cameras when a site changes, and hosts the
 * sites panel and the add/edit-site dialog. Tiles and the transport bar see
 * the cameras' capabilities through context. Offline: the top bar's "Open…",
 * dropped files and `vigil-app PATH` open files as a site (OfflineHost).
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { ipc, type Camera, type GridSize, type HubInfo, type Layout, type SavedLayout, type ServerLayout } from './ipc';
import { gridReducer, initialGridState, toLayout } from './grid/gridState';
import { isTypingTarget, keyToAction } from './grid/keys';
import { Grid } from './components/Grid';
import { Sidebar } from './components/Sidebar';
import { TopBar, type Mode } from './components/TopBar';
import { AddSiteDialog } from './sites/AddSiteDialog';
import { SitesPanel } from './sites/SitesPanel';
import { sitesIpc, type SiteInfo, type SiteStatus } from './sites/sitesIpc';
import { sitesSignature } from './sites/siteTree';
import { CamerasContext, speedsFor } from './sites/capabilities';
import { PlaybackSpeedsContext, SPEEDS } from './playback/speed';
import { ErrorBanner, useShownErrors } from './components/ErrorBanner';
import { PlaybackView } from './playback/PlaybackView';
import { CasesPanel } from './cases/CasesPanel';
import type { NewCaseSeed } from './cases/NewCaseDialog';
import { loadMediaServer } from './cases/casesIpc';
import { timelineMarkers } from './playback/markers';
import { reviewLayout } from './cases/review';
import type { Marker } from './playback/Timeline';
import { OfflineHost } from './offline/OfflineHost';
import { BookmarkDialog, type BookmarkSeed } from './bookmarks/BookmarkDialog';
import { BookmarksPanel } from './bookmarks/BookmarksPanel';
import { bookmarksIpc, type Bookmark, type NewBookmark, type PlaybackState } from './bookmarks/bookmarksIpc';
import { appKeyAction } from './keyboard/shortcuts';
import { ShortcutsOverlay } from './keyboard/ShortcutsOverlay';
import { SettingsDialog } from './settings/SettingsDialog';
import { singleTile, windowsIpc } from './windows/windowsIpc';

const SAVE_DEBOUNCE_MS = 300;
/** How often the site states are polled while the window is visible. */
const SITES_POLL_MS = 4000;

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
  /** The add/edit-site dialog: `site` null adds; a snapshot of the site edits (polls do not reset the form). */
  const [siteDialog, setSiteDialog] = useState<{ site: SiteInfo | null } | null>(null);
  const [sites, setSites] = useState<SiteStatus[]>([]);
  const [sitesOpen, setSitesOpen] = useState(false);
  const sitesSig = useRef<string | null>(null);
  const sitesFailing = useRef(false);
  const { errors, report, dismiss: dismissError } = useShownErrors();
  // the sites' own views for the layout menu: read again when a site's state or camera count changes
  const [serverLayouts, setServerLayouts] = useState<ServerLayout[]>([]);
  const sitesKey = sitesSignature(sites);
  useEffect(() => {
    let cancelled = false;
    ipc.listServerLayouts().then(
      (l) => !cancelled && setServerLayouts(l),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [sitesKey]);
  const [casesOpen, setCasesOpen] = useState(false);
  const [caseSeed, setCaseSeed] = useState<NewCaseSeed | null>(null);
  const [review, setReview] = useState<{ at: number; n: number } | null>(null);
  const [markers, setMarkers] = useState<Marker[]>([]);
  const [openDialog, setOpenDialog] = useState(false);
  const [bookmarkSeed, setBookmarkSeed] = useState<BookmarkSeed | null>(null);
  const [bookmarksOpen, setBookmarksOpen] = useState(false);
  const [bmVersion, setBmVersion] = useState(0);
  const [helpOpen, setHelpOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  /** The Playback view as last saved (layout and playhead), loaded at start. */
  const savedPb = useRef<PlaybackState | null>(null);
  /** Whether Playback was paused (saved with the playhead; reopened paused). */
  const pbPaused = useRef(false);
  const lastSaved = useRef<string | null>(null);


  useEffect(() => {
    let cancelled = false;
    // The saved playback state is read before the app counts as loaded, so a
    // click on Playback can never come before it (and then ignore it).
    const playbackState = bookmarksIpc.getPlaybackState().catch((e: unknown) => {
      report(e);
      return null;
    });
    Promise.all([ipc.hubInfo(), ipc.listCameras(), ipc.getCurrentLayout(), playbackState, loadMediaServer()])
      .then(([h, cams, layout, st]) => {
        if (cancelled) return;
        savedPb.current = st;
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

  const reloadCameras = useCallback(() => ipc.listCameras().then(setCameras, report), [report]);

  // Site states: poll while visible and on focus; a change of a site's state
  // or camera count reloads the camera list. A failing poll is reported once.
  const pollSites = useCallback(
    () =>
      sitesIpc.listSites().then(
        (list) => {
          sitesFailing.current = false;
          setSites(list);
          const sig = sitesSignature(list);
          if (sitesSig.current !== null && sig !== sitesSig.current) reloadCameras();
          sitesSig.current = sig;
        },
        (e) => {
          if (!sitesFailing.current) report(e);
          sitesFailing.current = true;
        },
      ),
    [reloadCameras, report],
  );
  useEffect(() => {
    pollSites();
    const t = setInterval(() => document.visibilityState === 'visible' && pollSites(), SITES_POLL_MS);
    const onFocus = () => pollSites();
    const onVisible = () => document.visibilityState === 'visible' && pollSites();
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(t);
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [pollSites]);

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
      // the playback layout and playhead saved last time, else the live layout
      const st = savedPb.current;
      pbDispatch({ type: 'load', layout: (st?.layout as Layout | undefined) ?? toLayout(liveGrid) });
      if (st?.positionMs != null) setReview((r) => r ?? { at: st.positionMs as number, n: 0 });
      pbPaused.current = !!st?.paused;
    }
    if (grid.fullscreen) dispatch({ type: 'restore' });
    setCasesOpen(false); // Live and Playback show the grid, not the case panel over it
    setSitesOpen(false);
    setMode(m);
  };

  // case markers on the playback timeline (the archive's 7 days and today)
  useEffect(() => {
    if (mode !== 'playback') return;
    timelineMarkers().then(setMarkers, report);
  }, [mode, review, bmVersion, report]);

  const byId = useMemo(() => new Map(cameras.map((c) => [c.id, c])), [cameras]);

  // Bookmarks: the dialog for the moment a tile shows, the list, the jump to playback.
  const startBookmark = useCallback(
    (camera: string, atMs: number) => setBookmarkSeed({ camera, cameraName: byId.get(camera)?.name ?? camera, atMs }),
    [byId],
  );
  const saveBookmark = async (req: NewBookmark) => {
    try {
      await bookmarksIpc.addBookmark(req);
      setBmVersion((v) => v + 1);
      return true;
    } catch (e) {
      report(e);
      return false;
    }
  };
  const jumpTo = (b: Bookmark) => {
    // playback at that moment on that camera (the playback grid keeps it when it is there)
    setBookmarksOpen(false);
    pbStarted.current = true;
    if (!pbGrid.tiles.includes(b.camera)) pbDispatch({ type: 'load', layout: reviewLayout([b.camera]) });
    setReview((r) => ({ at: b.atMs, n: (r?.n ?? 0) + 1 }));
    switchMode('playback');
  };
  /** The selected tile's camera and the time of the frame it shows (live or playback). */
  const selectedMoment = (): { camera: string; at: number } | null => {
    const camera = grid.tiles[grid.selected];
    if (!camera) return null;
    const el = document.querySelector<HTMLElement>(`${mode === 'live' ? '.grid' : '.pb-grid'} .tile[data-tile="${grid.selected + 1}"]`);
    const at = Number(mode === 'live' ? el?.dataset.frameMs : el?.dataset.recTs);
    return { camera, at: Number.isFinite(at) && at > 0 ? at : Date.now() };
  };
  // Window keys: ? list, B bookmark, Shift+B list, N new case, C/S panels, L/P modes, O open, "," settings.
  const keyRef = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keyRef.current = (e: KeyboardEvent) => {
    if (isTypingTarget(e.target)) return;
    const a = appKeyAction(e);
    if (!a) return;
    if (a.type !== 'help' && (helpOpen || bookmarkSeed || settingsOpen || siteDialog || openDialog)) return;
    e.preventDefault();
    if (a.type === 'help') setHelpOpen((o) => !o);
    else if (a.type === 'bookmark') {
      const m = selectedMoment();
      if (m) startBookmark(m.camera, m.at);
    } else if (a.type === 'bookmarks') {
      setCasesOpen(false);
      setSitesOpen(false);
      setBookmarksOpen((o) => !o);
    }
    else if (a.type === 'newCase') {
      const m = selectedMoment();
      if (m) {
        setCaseSeed({ equipmentId: m.camera, eventMs: m.at });
        setSitesOpen(false);
        setCasesOpen(true);
      }
    } else if (a.type === 'cases') {
      setSitesOpen(false);
      setBookmarksOpen(false);
      setCasesOpen((o) => !o);
    } else if (a.type === 'sites') {
      setCasesOpen(false);
      setBookmarksOpen(false);
      setSitesOpen((o) => !o);
    } else if (a.type === 'settings') setSettingsOpen(true);
    else if (a.type === 'open') setOpenDialog(true);
    else if (a.type === 'mode') switchMode(a.mode);
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => keyRef.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // The playback layout and playhead, saved (debounced) and kept across Live <-> Playback.
  const pbLayoutJson = JSON.stringify(toLayout(pbGrid));
  const pbPosition = useRef<number | null>(null);
  const savePb = useCallback(() => {
    if (!pbStarted.current) return;
    const st: PlaybackState = { layout: JSON.parse(pbLayoutJson), positionMs: pbPosition.current, paused: pbPaused.current };
    savedPb.current = st;
    bookmarksIpc.savePlaybackState(st).catch(report);
  }, [pbLayoutJson, report]);
  useEffect(() => {
    if (!pbStarted.current) return;
    const t = setTimeout(savePb, SAVE_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [savePb]);
  const leavePlayback = useCallback(
    (pos: number, n: number) => {
      pbPosition.current = pos;
      // reopening Playback starts where it was left (a newer review or jump wins)
      setReview((r) => ((r?.n ?? 0) === n ? { at: pos, n } : r));
      savePb();
    },
    [savePb],
  );
  // the speeds every camera of the playback grid can play at
  const pbKey = pbGrid.tiles.join('\n');
  const pbSpeeds = useMemo(() => speedsFor(pbKey.split('\n').map((id) => byId.get(id)), SPEEDS), [pbKey, byId]);

  // an offline open added (or listed again) a site: show its cameras now
  const offlineOpened = useCallback(() => {
    reloadCameras();
    pollSites();
  }, [reloadCameras, pollSites]);
  const closeOpenDialog = useCallback(() => setOpenDialog(false), []);

  const siteSaved = () => {
    setSiteDialog(null);
    reloadCameras();
    pollSites();
  };
  const removeSite = async (id: string) => {
    try {
      await sitesIpc.removeSite(id);
      for (const c of cameras) {
        if (c.site !== id) continue;
        liveDispatch({ type: 'removeCamera', camera: c.id });
        pbDispatch({ type: 'removeCamera', camera: c.id });
      }
      setSites((list) => list.filter((s) => s.site.id !== id));
      setCameras((list) => list.filter((c) => c.site !== id));
    } catch (e) {
      report(e);
    }
    reloadCameras();
    pollSites();
  };
  const refreshSite = async (id: string) => {
    try {
      const st = await sitesIpc.refreshSite(id);
      setSites((list) => list.map((s) => (s.site.id === id ? st : s)));
    } catch (e) {
      report(e);
    }
    reloadCameras();
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
    <CamerasContext.Provider value={byId}>
      <PlaybackSpeedsContext.Provider value={pbSpeeds}>
        <div className={grid.fullscreen ? 'app fullscreen' : 'app'} data-loaded={loaded} data-mode={mode}>
          <TopBar
            mode={mode}
            onMode={switchMode}
            grid={grid.grid}
            saved={saved}
            serverLayouts={serverLayouts}
            onLoadServer={(layout) => dispatch({ type: 'load', layout })}
            onGrid={(g: GridSize) => dispatch({ type: 'setGrid', grid: g })}
            onSave={saveNamed}
            onLoad={loadNamed}
            onDelete={deleteNamed}
            onCases={() => {
              setSitesOpen(false);
              setBookmarksOpen(false);
              setCasesOpen((o) => !o);
            }}
            onSites={() => {
              setCasesOpen(false);
              setBookmarksOpen(false);
              setSitesOpen((o) => !o);
            }}
            sitesOpen={sitesOpen}
            onOpenFiles={() => setOpenDialog(true)}
            onBookmarks={() => {
              setCasesOpen(false);
              setSitesOpen(false);
              setBookmarksOpen((o) => !o);
            }}
            bookmarksOpen={bookmarksOpen}
            onSettings={() => setSettingsOpen(true)}
            onHelp={() => setHelpOpen(true)}
            onTearOut={() => windowsIpc.tearOut(toLayout(grid)).catch(report)}
          />
          <ErrorBanner errors={errors} onDismiss={dismissError} />
          <OfflineHost
            dialogOpen={openDialog}
            onDialogClose={closeOpenDialog}
            onOpened={offlineOpened}
            onPlay={(cams, at) => {
              // synchronized playback of the opened cameras from their first recording
              pbStarted.current = true;
              pbDispatch({ type: 'load', layout: reviewLayout(cams) });
              setReview((r) => ({ at, n: (r?.n ?? 0) + 1 }));
              switchMode('playback');
            }}
            report={report}
          />
          <div className="body">
            <Sidebar
              cameras={cameras}
              sites={sites}
              onPick={(id) => dispatch({ type: 'assignSelected', camera: id })}
              onAdd={() => setSiteDialog({ site: null })}
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
                onBookmark={startBookmark}
                onTearOut={(camera) => windowsIpc.tearOut(singleTile(camera)).catch(report)}
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
                onBookmark={startBookmark}
                onLeave={(pos) => leavePlayback(pos, review?.n ?? 0)}
                startPaused={pbPaused.current}
                onPosition={(pos, paused) => {
                  pbPosition.current = pos;
                  pbPaused.current = paused;
                  savePb();
                }}
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
          {sitesOpen && (
            <SitesPanel
              sites={sites}
              onAdd={() => setSiteDialog({ site: null })}
              onEdit={(site) => setSiteDialog({ site })}
              onRemove={removeSite}
              onRefresh={refreshSite}
              onClose={() => setSitesOpen(false)}
            />
          )}
          {bookmarksOpen && (
            <BookmarksPanel
              cameras={cameras}
              version={bmVersion}
              onJump={jumpTo}
              onChanged={() => setBmVersion((v) => v + 1)}
              onClose={() => setBookmarksOpen(false)}
              report={report}
            />
          )}
          {bookmarkSeed && <BookmarkDialog seed={bookmarkSeed} onSubmit={saveBookmark} onClose={() => setBookmarkSeed(null)} />}
          {settingsOpen && <SettingsDialog onClose={() => setSettingsOpen(false)} />}
          {helpOpen && <ShortcutsOverlay onClose={() => setHelpOpen(false)} />}
          {siteDialog && <AddSiteDialog site={siteDialog.site} onDone={siteSaved} onClose={() => setSiteDialog(null)} />}
        </div>
      </PlaybackSpeedsContext.Provider>
    </CamerasContext.Provider>
  );
}
