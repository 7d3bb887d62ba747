/**
 * The small control strip of an unlinked playback tile: play/pause, one
 * frame back/forward and its own speed, driving the tile's own group.
 */
import { useSyncExternalStore } from 'react';
import type { PlaybackGroup } from './group';
import { SPEEDS, speedLabel } from './speed';

export function TileControls({ group }: { group: PlaybackGroup }) {
  const { speed, paused } = useSyncExternalStore(group.subscribe, group.snapshot);
  const stop = (e: { stopPropagation: () => void }) => e.stopPropagation();
  return (
    <span className="tile-controls" onClick={stop} onDoubleClick={stop}>
      <button aria-label="Tile step back" title="One frame back" onClick={() => group.control({ type: 'step', frames: -1 }, Date.now())}>
        ◀|
      </button>
      <button
        aria-label={paused ? 'Tile play' : 'Tile pause'}
        data-tile-play
        onClick={() => group.control({ type: paused ? 'play' : 'pause' }, Date.now())}
      >
        {paused ? '▶' : '❚❚'}
      </button>
      <button aria-label="Tile step forward" title="One frame forward" onClick={() => group.control({ type: 'step', frames: 1 }, Date.now())}>
        |▶
      </button>
      <select
        aria-label="Tile speed"
        value={String(speed)}
        onChange={(e) => {
          group.control({ type: 'speed', speed: Number(e.target.value) }, Date.now());
          e.currentTarget.blur();
        }}
      >
        {SPEEDS.map((s) => (
          <option key={s} value={String(s)}>
            {speedLabel(s)}
          </option>
        ))}
      </select>
    </span>
  );
}
