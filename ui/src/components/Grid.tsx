/** The tile grid: N x N tiles; a maximized tile fills the grid, the others are hidden (kept mounted). */
import type { Dispatch } from 'react';
import type { Camera, HubInfo } from '../ipc';
import { columns, type GridAction, type GridState } from '../grid/gridState';
import { Tile } from '../tile/Tile';

interface GridProps {
  state: GridState;
  cameras: Map<string, Camera>;
  hub: HubInfo | null;
  dispatch: Dispatch<GridAction>;
  onNewCase?: (cameraId: string, frameMs: number) => void;
  onBookmark?: (cameraId: string, frameMs: number) => void;
  /** "Tear out": the tile's camera in a window of its own. */
  onTearOut?: (cameraId: string) => void;
}

export function Grid({ state, cameras, hub, dispatch, onNewCase, onBookmark, onTearOut }: GridProps) {
  const n = columns(state.grid);
  return (
    <main
      className="grid"
      data-grid={state.grid}
      data-maximized={state.maximized === null ? '' : state.maximized + 1}
      style={{ gridTemplateColumns: `repeat(${n}, 1fr)`, gridTemplateRows: `repeat(${n}, 1fr)` }}
    >
      {state.tiles.map((id, i) => (
        <Tile
          key={i}
          index={i}
          cameraId={id}
          camera={id ? cameras.get(id) : undefined}
          hub={hub}
          selected={state.selected === i}
          maximized={state.maximized === i}
          hidden={state.maximized !== null && state.maximized !== i}
          onSelect={(tile) => dispatch({ type: 'select', tile })}
          onToggleMaximize={(tile) => dispatch({ type: 'toggleMaximize', tile })}
          onClear={(tile) => dispatch({ type: 'clear', tile })}
          onDropCamera={(tile, camera) => dispatch({ type: 'assign', tile, camera })}
          onNewCase={onNewCase}
          onBookmark={onBookmark}
          onTearOut={onTearOut}
        />
      ))}
    </main>
  );
}
