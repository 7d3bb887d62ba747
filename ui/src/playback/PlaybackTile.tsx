/**
 * One playback tile: canvas + overlay (camera, status, recording-time clock),
 * a PlaybackSocket in the tile's group (the grid's shared clock, or its own
 * when unlinked), a link toggle and, when unlinked, its own control strip.
 * Exposes data-frames / data-state / data-camera / data-rec-ts / data-linked
 * for tests.
 */
import { useEffect, useRef, useState } from 'react';
import type { Camera, HubInfo } from '../ipc';
import { PlaybackSocket, type PlaybackStatus } from '../hub/playbackSocket';
import { useTileView } from '../tile/useTileView';
import { useCameraDrop } from '../tile/useCameraDrop';
import { formatSiteTime } from './zoned';
import type { PlaybackGroup } from './group';
import { TileControls } from './TileControls';
import { playbackStatusLabel } from './labels';
import { SnapshotButton } from '../evidence/SnapshotButton';

interface PlaybackTileProps {
  index: number;
  cameraId: string | null;
  camera: Camera | undefined;
  hub: HubInfo | null;
  tz: string;
  group: PlaybackGroup;
  linked: boolean;
  selected: boolean;
  maximized: boolean;
  hidden: boolean;
  onSelect: (index: number) => void;
  onToggleMaximize: (index: number) => void;
  onClear: (index: number) => void;
  onDropCamera: (index: number, cameraId: string) => void;
  onToggleLink: (index: number) => void;
  /** "Bookmark": the camera and the recording time of the frame on screen. */
  onBookmark?: (cameraId: string, frameMs: number) => void;
}

export function PlaybackTile(p: PlaybackTileProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const clockRef = useRef<HTMLSpanElement>(null);
  const socketRef = useRef<PlaybackSocket | null>(null);
  const [status, setStatus] = useState<PlaybackStatus | null>(null);
  const shownClock = useRef('');
  const frameMsRef = useRef<number | null>(null);
  const { cameraId, hub, group, tz } = p;
  const { viewRef, sized } = useTileView(canvasRef, rootRef, {
    onDrawn: (_count, h) => {
      const root = rootRef.current;
      if (root) root.dataset.recTs = String(h.timestampMs);
      frameMsRef.current = h.timestampMs;
      group.onFrame(h.timestampMs, Date.now());
      const clock = formatSiteTime(tz, h.timestampMs);
      if (clock !== shownClock.current && clockRef.current) clockRef.current.textContent = shownClock.current = clock;
    },
    onSize: (w, h) => socketRef.current?.resize(w, h),
  });

  useEffect(() => {
    const view = viewRef.current;
    const root = rootRef.current;
    if (!view || !root) return;
    view.reset();
    root.dataset.frames = '0';
    root.dataset.recTs = '';
    frameMsRef.current = null;
    if (clockRef.current) clockRef.current.textContent = '';
    shownClock.current = '';
    if (!cameraId || !hub || !sized) {
      setStatus(null);
      return;
    }
    setStatus({ state: 'connecting', stream: null, reason: null });
    const socket = new PlaybackSocket({
      hubUrl: hub.url,
      token: hub.token,
      camera: cameraId,
      width: view.pixelWidth,
      height: view.pixelHeight,
      group: group.id,
      start: () => group.startParams(Date.now()),
      onStatus: (s) => setStatus((prev) => ({ ...s, stream: s.stream ?? prev?.stream ?? null })),
      onClock: (c) => group.onClock(c, Date.now()),
      onFrame: (d) => view.push(d),
    });
    socketRef.current = socket;
    const leave = group.join(socket);
    socket.start();
    return () => {
      leave();
      socket.close();
      socketRef.current = null;
    };
  }, [cameraId, hub, sized, group, viewRef]);

  const { dragOver, onDragOver, onDrop, onDragLeave } = useCameraDrop((id) => p.onDropCamera(p.index, id));

  const state = cameraId ? (status?.state ?? 'connecting') : 'empty';
  const cls = ['tile', 'pb-tile', p.selected && 'selected', p.maximized && 'maximized', p.hidden && 'hidden', dragOver && 'drag-over', !p.linked && 'unlinked']
    .filter(Boolean)
    .join(' ');
  const blocked = state === 'no_recording' ? 'No recording' : state === 'ended' ? 'End of recordings' : null;
  return (
    <div
      ref={rootRef}
      className={cls}
      data-tile={p.index + 1}
      data-camera={cameraId ?? ''}
      data-state={state}
      data-stream={status?.stream ?? ''}
      data-linked={p.linked ? 'true' : 'false'}
      data-group={group.id}
      data-frames="0"
      data-rec-ts=""
      tabIndex={0}
      role="group"
      aria-label={`Tile ${p.index + 1}${cameraId ? `: ${p.camera?.name ?? cameraId}` : ', empty'}`}
      onFocus={(e) => e.target === e.currentTarget && !p.selected && p.onSelect(p.index)}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return;
        if (e.key === 'Enter') {
          e.preventDefault();
          p.onToggleMaximize(p.index);
        } else if ((e.key === 'Delete' || e.key === 'Backspace') && cameraId) {
          e.preventDefault();
          p.onClear(p.index);
        }
      }}
      onClick={() => p.onSelect(p.index)}
      onDoubleClick={() => p.onToggleMaximize(p.index)}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <canvas ref={canvasRef} className="tile-canvas" />
      {cameraId ? (
        <div className="tile-overlay">
          <div className="tile-top">
            <span className="tile-index">{p.index + 1}</span>
            <span className="tile-name" title={p.camera?.site}>{p.camera?.name ?? cameraId}</span>
            {status?.stream && <span className="tile-stream">{status.stream}</span>}
            <span className="tile-res" />
            {p.onBookmark && (
              <button
                className="tile-btn tile-bookmark"
                title="Bookmark the moment shown (B)"
                aria-label={`Bookmark tile ${p.index + 1}`}
                onClick={(e) => {
                  e.stopPropagation();
                  const at = frameMsRef.current ?? group.playhead.position(Date.now());
                  p.onBookmark?.(cameraId, at);
                }}
                onDoubleClick={(e) => e.stopPropagation()}
              >
                <span aria-hidden="true">★</span>
              </button>
            )}
            <SnapshotButton cameraId={cameraId} index={p.index} at={() => frameMsRef.current ?? group.playhead.position(Date.now())} />
            <button
              className={p.linked ? 'tile-btn tile-link' : 'tile-btn tile-link off'}
              aria-pressed={p.linked}
              title={p.linked ? 'Linked to the grid clock: click to play this tile on its own' : 'Playing on its own: click to link to the grid clock'}
              aria-label={p.linked ? `Unlink tile ${p.index + 1}` : `Link tile ${p.index + 1}`}
              onClick={(e) => {
                e.stopPropagation();
                p.onToggleLink(p.index);
              }}
              onDoubleClick={(e) => e.stopPropagation()}
            >
              {p.linked ? 'Linked' : 'Solo'}
            </button>
            <button
              className="tile-btn tile-clear"
              title="Clear tile"
              aria-label={`Clear tile ${p.index + 1}`}
              onClick={(e) => {
                e.stopPropagation();
                p.onClear(p.index);
              }}
              onDoubleClick={(e) => e.stopPropagation()}
            >
              ×
            </button>
          </div>
          {blocked && <div className="tile-blocked">{blocked}</div>}
          <div className="tile-bottom">
            <span className={`tile-status st-${state}`} title={status?.reason ?? undefined}>
              {playbackStatusLabel(state, state === 'gap_skipped' ? null : (status?.reason ?? null))}
            </span>
            {!p.linked && <TileControls group={group} />}
            <span className="tile-clock" ref={clockRef} />
          </div>
        </div>
      ) : (
        <div className="tile-empty">
          <span className="tile-index">{p.index + 1}</span>
          Drop a camera here
        </div>
      )}
    </div>
  );
}
