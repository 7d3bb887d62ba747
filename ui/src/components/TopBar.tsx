/** Top bar: Live/Playback switch, layout size buttons, Cases and Sites panels, Open… (files and folders), saved layouts (save current as, load, delete). */
import { useState, type FormEvent } from 'react';
import type { GridSize, SavedLayout } from '../ipc';
import { GRID_SIZES } from '../grid/gridState';

export type Mode = 'live' | 'playback';

const MODES: { mode: Mode; label: string }[] = [
  { mode: 'live', label: 'Live' },
  { mode: 'playback', label: 'Playback' },
];

interface TopBarProps {
  mode: Mode;
  onMode: (m: Mode) => void;
  grid: GridSize;
  saved: SavedLayout[];
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
}

export function TopBar({ mode, onMode, grid, saved, onGrid, onSave, onLoad, onDelete, onCases, onSites, sitesOpen = false, onOpenFiles, onBookmarks, bookmarksOpen = false, onSettings, onHelp }: TopBarProps) {
  const [name, setName] = useState('');
  const [pick, setPick] = useState('');
  const current = saved.some((s) => s.name === pick) ? pick : (saved[0]?.name ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    onSave(n);
    setPick(n);
    setName('');
  };
  return (
    <header className="topbar">
      <span className="brand">Vigil</span>
      <div className="mode-buttons" role="group" aria-label="Mode">
        {MODES.map((m) => (
          <button key={m.mode} data-mode-button={m.mode} aria-pressed={mode === m.mode} className={mode === m.mode ? 'active' : ''} onClick={() => onMode(m.mode)}>
            {m.label}
          </button>
        ))}
      </div>
      <div className="layout-buttons" role="group" aria-label="Layout">
        {GRID_SIZES.map((g) => (
          <button key={g} data-grid-button={g} aria-pressed={grid === g} className={grid === g ? 'active' : ''} onClick={() => onGrid(g)}>
            {g}
          </button>
        ))}
      </div>
      {onCases && (
        <button className="cases-button" onClick={onCases}>
          Cases
        </button>
      )}
      {onSites && (
        <button className={sitesOpen ? 'sites-button active' : 'sites-button'} aria-pressed={sitesOpen} onClick={onSites}>
          Sites
        </button>
      )}
      {onOpenFiles && (
        <button className="open-button" onClick={onOpenFiles}>
          Open…
        </button>
      )}
      {onBookmarks && (
        <button className={bookmarksOpen ? 'bookmarks-button active' : 'bookmarks-button'} aria-pressed={bookmarksOpen} onClick={onBookmarks} title="Bookmarks (Shift+B)">
          Bookmarks
        </button>
      )}
      {onSettings && (
        <button className="settings-button" onClick={onSettings} title="Settings (,)">
          Settings
        </button>
      )}
      {onHelp && (
        <button className="help-button" onClick={onHelp} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
          ?
        </button>
      )}
      <div className="spacer" />
      <form className="saved" onSubmit={submit}>
        <input aria-label="Layout name" placeholder="Layout name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" disabled={!name.trim()}>
          Save
        </button>
      </form>
      <div className="saved">
        <select aria-label="Saved layouts" value={current} onChange={(e) => setPick(e.target.value)} disabled={!saved.length}>
          {saved.length === 0 && <option value="">No saved layouts</option>}
          {saved.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} ({s.layout.grid})
            </option>
          ))}
        </select>
        <button disabled={!current} onClick={() => onLoad(current)}>
          Load
        </button>
        <button disabled={!current} onClick={() => onDelete(current)}>
          Delete
        </button>
      </div>
    </header>
  );
}
