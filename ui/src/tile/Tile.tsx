/**
 * One grid tile: canvas + overlay (camera, stream, resolution, status, clock).
 * Owns a TileView (drawing, via useTileView) and, while a camera is assigned, a LiveSocket.
 * Exposes data-frames / data-state / data-camera / data-stream for tests.
 */
import { useCameraDrop } from './useCameraDrop';
import { useEffect, useRef, useState } from 'react';
import type { Camera, HubInfo } from '../ipc';
import { LiveSocket, type HubStatus } from '../hub/liveSocket';
import { useTileView } from './useTileView';
import { formatClock, statusLabel } from './format';
import { PtzControls } from '../ptz/PtzControls';
import { LiveEventBadges } from './LiveEventBadges';
import { TimingBadges } from './TimingBadges';
import { TilePinPrompt } from './TilePinPrompt';

export { CAMERA_MIME } from './useCameraDrop';

interface TileProps {
  index: number;
  cameraId: string | null;
  camera: Camera | undefined;
  hub: HubInfo | null;
  selected: boolean;
  maximized: boolean;
  hidden: boolean;
  onSelect: (index: number) => void;
  onToggleMaximize: (index: number) => void;
  onClear: (index: number) => void;
  onDropCamera: (index: number, cameraId: string) => void;
  /** "New case here": the camera and the time of the frame on screen. */
  onNewCase?: (cameraId: string, frameMs: number) => void;
  /** "Bookmark": the camera and the time of the frame on screen. */
  onBookmark?: (cameraId: string, frameMs: number) => void;
  /** "Tear out": the camera in a window of its own. */
  onTearOut?: (cameraId: string) => void;
}

export function Tile(p: TileProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const clockRef = useRef<HTMLSpanElement>(null);
  const resRef = useRef<HTMLSpanElement>(null);
  const socketRef = useRef<LiveSocket | null>(null);
  const [status, setStatus] = useState<HubStatus | null>(null);
  const frameMsRef = useRef<number | null>(null);
  const shown = useRef({ clock: '', res: '' });
  const { viewRef, sized } = useTileView(canvasRef, rootRef, {
    onDrawn: (_count, h) => {
      frameMsRef.current = h.timestampMs;
      if (rootRef.current) rootRef.current.dataset.frameMs = String(h.timestampMs);
      const clock = formatClock(h.timestampMs);
      if (clock !== shown.current.clock && clockRef.current) clockRef.current.textContent = shown.current.clock = clock;
      const res = `${h.width}×${h.height}`;
      if (res !== shown.current.res && resRef.current) resRef.current.textContent = shown.current.res = res;
    },
    onSize: (w, h) => socketRef.current?.resize(w, h),
  });

  const { cameraId, hub } = p;
  useEffect(() => {
    const view = viewRef.current;
    const root = rootRef.current;
    if (!view || !root) return;
    view.reset();
    root.dataset.frames = '0';
    frameMsRef.current = null;
    if (clockRef.current) clockRef.current.textContent = '';
    if (resRef.current) resRef.current.textContent = '';
    shown.current = { clock: '', res: '' };
    if (!cameraId || !hub || !sized) {
      setStatus(null);
      return;
    }
    setStatus({ state: 'connecting', stream: null, reason: null });
    const socket = new LiveSocket({
      hubUrl: hub.url,
      token: hub.token,
      camera: cameraId,
      width: view.pixelWidth,
      height: view.pixelHeight,
      // the hub's statuses carry the events; a status of our own (a lost socket) keeps the last
      onStatus: (s) => setStatus((prev) => ({ ...s, stream: s.stream ?? prev?.stream ?? null, events: s.events ?? prev?.events ?? null, timing: s.timing ?? prev?.timing ?? null })),
      onFrame: (d) => view.push(d),
    });
    socketRef.current = socket;
    socket.start();
    return () => {
      socket.close();
      socketRef.current = null;
    };
  }, [cameraId, hub, sized, viewRef]);

  const { dragOver, onDragOver, onDrop, onDragLeave } = useCameraDrop((id) => p.onDropCamera(p.index, id));

  const state = cameraId ? (status?.state ?? 'connecting') : 'empty';
  const cls = ['tile', p.selected && 'selected', p.maximized && 'maximized', p.hidden && 'hidden', dragOver && 'drag-over']
    .filter(Boolean)
    .join(' ');
  return (
    <div
      ref={rootRef}
      className={cls}
      data-tile={p.index + 1}
      data-camera={cameraId ?? ''}
      data-state={state}
      data-stream={status?.stream ?? ''}
      data-frames="0"
      data-frame-ms=""
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
            <span className="tile-res" ref={resRef} />
            {p.onBookmark && (
              <button
                className="tile-btn tile-bookmark"
                title="Bookmark the moment shown (B)"
                aria-label={`Bookmark tile ${p.index + 1}`}
                onClick={(e) => {
                  e.stopPropagation();
                  p.onBookmark?.(cameraId, frameMsRef.current ?? Date.now());
                }}
                onDoubleClick={(e) => e.stopPropagation()}
              >
                <span aria-hidden="true">★</span>
              </button>
            )}
            {p.onNewCase && (
              <button
                className="tile-btn tile-newcase"
                title="New case here (event time = the frame shown; N)"
                aria-label={`New case here on tile ${p.index + 1}`}
                onClick={(e) => {
                  e.stopPropagation();
                  p.onNewCase?.(cameraId, frameMsRef.current ?? Date.now());
                }}
                onDoubleClick={(e) => e.stopPropagation()}
              >
                <span className="tile-btn-icon" aria-hidden="true">＋</span>
                <span className="tile-btn-label">New case here</span>
              </button>
            )}
            {p.onTearOut && (
              <button
                className="tile-btn tile-tearout"
                title="Tear out: this camera in a window of its own"
                aria-label={`Tear out tile ${p.index + 1}`}
                onClick={(e) => {
                  e.stopPropagation();
                  p.onTearOut?.(cameraId);
                }}
                onDoubleClick={(e) => e.stopPropagation()}
              >
                <svg className="tile-tearout-icon" aria-hidden="true" width="11" height="11" viewBox="0 0 11 11" fill="none" stroke="currentColor" strokeWidth="1.4">
                  <path d="M4.5 1.5h5v5M9.5 1.5 4 7M7.5 6.5v3h-6v-6h3" />
                </svg>
              </button>
            )}
            <button
              className="tile-btn tile-clear"
              title="Clear tile (Delete)"
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
          {state === 'pin_required' && p.camera && <TilePinPrompt siteId={p.camera.site} siteName={p.camera.site_name} />}
          <div className="tile-bottom">
            {/* the PIN prompt says why: the line is the label, the engine's reason its tooltip */}
            <span className={`tile-status st-${state}`} title={status?.reason ?? undefined}>
              {statusLabel(state, state === 'pin_required' ? null : (status?.reason ?? null))}
            </span>
            <LiveEventBadges events={status?.events} />
            {state === 'live' && <TimingBadges timing={status?.timing} />}
            <span className="tile-clock" ref={clockRef} />
          </div>
          {p.camera?.ptz && <PtzControls camera={cameraId} selected={p.selected} />}
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
