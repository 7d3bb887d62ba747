/**
 * Top bar: Live/Playback switch, layout size buttons, Cases and Sites panels,
 * Open… (files and folders), Tear out (the layout in a window of its own),
 * saved layouts (save current as, load, delete) and the sites' own views
 * ("From the server": load only). Below 1300 px of window
 * width the panel buttons and saved layouts collapse into a "More" menu, so
 * the bar never wraps or overflows over the grid.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { GridSize, Layout, SavedLayout, ServerLayout } from '../ipc';
import { GRID_SIZES } from '../grid/gridState';
import './topbar.css';

export type Mode = 'live' | 'playback';

const MODES: { mode: Mode; label: string }[] = [
  { mode: 'live', label: 'Live' },
  { mode: 'playback', label: 'Playback' },
];

/** The Live / Playback switch (the main window's bar and torn-out windows). */
export function ModeButtons({ mode, onMode }: { mode: Mode; onMode: (m: Mode) => void }) {
  return (
    <div className="mode-buttons" role="group" aria-label="Mode">
      {MODES.map((m) => (
        <button key={m.mode} data-mode-button={m.mode} aria-pressed={mode === m.mode} className={mode === m.mode ? 'active' : ''} onClick={() => onMode(m.mode)}>
          {m.label}
        </button>
      ))}
    </div>
  );
}

interface TopBarProps {
  mode: Mode;
  onMode: (m: Mode) => void;
  grid: GridSize;
  saved: SavedLayout[];
  /** The sites' own views (a VMS's saved grids), listed after the saved layouts and marked as the server's. */
  serverLayouts?: ServerLayout[];
  /** Opens a server view's layout. */
  onLoadServer?: (layout: Layout) => void;
  onGrid: (g: GridSize) => void;
  onSave: (name: string) => void;
  onLoad: (name: string) => void;
  onDelete: (name: string) => void;
  onCases?: () => void;
  /** Toggle the sites panel; `sitesOpen` shows the button pressed. */
  onSites?: () => void;
  sitesOpen?: boolean;
  /** Open files or folders (the offline Open dialog). */
  onOpenFiles?: () => void;
  onBookmarks?: () => void;
  bookmarksOpen?: boolean;
  onSettings?: () => void;
  onHelp?: () => void;
  /** Opens the current layout in a window of its own. */
  onTearOut?: () => void;
}

/** Window width below which the bar's secondary items go into the "More" menu. */
export const NARROW_BAR_PX = 1300;

/** Whether the window is narrower than `px` (follows resizes). */
function useNarrow(px: number): boolean {
  const query = `(max-width: ${px - 1}px)`;
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const mq = window.matchMedia(query);
    const on = () => setNarrow(mq.matches);
    on();
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [query]);
  return narrow;
}

/** The layout menu's value of a server view (saved layouts go by their name). */
const SERVER = 'server:';
const serverValue = (l: ServerLayout) => `${SERVER}${l.site}\n${l.name}`;

export function TopBar({ mode, onMode, grid, saved, serverLayouts = [], onLoadServer, onGrid, onSave, onLoad, onDelete, onCases, onSites, sitesOpen = false, onOpenFiles, onBookmarks, bookmarksOpen = false, onSettings, onHelp, onTearOut }: TopBarProps) {
  const [name, setName] = useState('');
  const [pick, setPick] = useState('');
  const values = [...saved.map((s) => s.name), ...serverLayouts.map(serverValue)];
  const current = values.includes(pick) ? pick : (values[0] ?? '');
  const server = serverLayouts.find((l) => serverValue(l) === current) ?? null;
  const load = () => (server ? onLoadServer?.(server.layout) : onLoad(current));
  const narrow = useNarrow(NARROW_BAR_PX);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!narrow) setMenuOpen(false);
  }, [narrow]);
  // the menu closes on a click outside it and on Escape
  useEffect(() => {
    if (!menuOpen) return;
    const onDown = (e: MouseEvent) => {
      if (menuRef.current && !menuRef.current.contains(e.target as Node)) setMenuOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        setMenuOpen(false);
      }
    };
    document.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey, true);
    };
  }, [menuOpen]);
  /** A bar button, which in the menu also closes the menu. */
  const act = (fn?: () => void) => () => {
    setMenuOpen(false);
    fn?.();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    onSave(n);
    setPick(n);
    setName('');
  };
  const panels: ReactNode = (
    <>
      {onCases && (
        <button className="cases-button" onClick={act(onCases)}>
          Cases
        </button>
      )}
      {onSites && (
        <button className={sitesOpen ? 'sites-button active' : 'sites-button'} aria-pressed={sitesOpen} onClick={act(onSites)}>
          Sites
        </button>
      )}
      {onOpenFiles && (
        <button className="open-button" onClick={act(onOpenFiles)}>
          Open…
        </button>
      )}
      {onBookmarks && (
        <button className={bookmarksOpen ? 'bookmarks-button active' : 'bookmarks-button'} aria-pressed={bookmarksOpen} onClick={act(onBookmarks)} title="Bookmarks (Shift+B)">
          Bookmarks
        </button>
      )}
      {onSettings && (
        <button className="settings-button" onClick={act(onSettings)} title="Settings (,)">
          Settings
        </button>
      )}
      {onTearOut && (
        <button className="tearout-button" onClick={act(onTearOut)} title="Tear out: this layout in a window of its own (another monitor)">
          Tear out
        </button>
      )}
      {onHelp && (
        <button className="help-button" onClick={act(onHelp)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
          ?
        </button>
      )}
    </>
  );
  const layouts: ReactNode = (
    <>
      <form className="saved" onSubmit={submit}>
        <input aria-label="Layout name" placeholder="Layout name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" disabled={!name.trim()}>
          Save
        </button>
      </form>
      <div className="saved">
        <select aria-label="Saved layouts" value={current} onChange={(e) => setPick(e.target.value)} disabled={!values.length}>
          {values.length === 0 && <option value="">No saved layouts</option>}
          {saved.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} ({s.layout.grid})
            </option>
          ))}
          {serverLayouts.length > 0 && (
            <optgroup label="From the server">
              {serverLayouts.map((l) => (
                <option key={serverValue(l)} value={serverValue(l)} data-server-layout={l.site}>
                  {l.name} ({l.layout.grid}) · server
                </option>
              ))}
            </optgroup>
          )}
        </select>
        <button disabled={!current} onClick={act(load)}>
          Load
        </button>
        <button disabled={!current || !!server} title={server ? "A server's view: change it on the server" : undefined} onClick={() => onDelete(current)}>
          Delete
        </button>
      </div>
    </>
  );
  return (
    <header className={narrow ? 'topbar narrow' : 'topbar'} data-narrow={narrow}>
      <span className="brand">Vigil</span>
      <ModeButtons mode={mode} onMode={onMode} />
      <div className="layout-buttons" role="group" aria-label="Layout">
        {GRID_SIZES.map((g) => (
          <button key={g} data-grid-button={g} aria-pressed={grid === g} className={grid === g ? 'active' : ''} onClick={() => onGrid(g)}>
            {g}
          </button>
        ))}
      </div>
      {!narrow && panels}
      <div className="spacer" />
      {!narrow && layouts}
      {narrow && (
        <div className="topbar-more" ref={menuRef}>
          <button className="more-button" aria-haspopup="true" aria-expanded={menuOpen} title="More" onClick={() => setMenuOpen((o) => !o)}>
            More ▾
          </button>
          {menuOpen && (
            <div className="topbar-menu" role="group" aria-label="More">
              {panels}
              {layouts}
            </div>
          )}
        </div>
      )}
    </header>
  );
}
