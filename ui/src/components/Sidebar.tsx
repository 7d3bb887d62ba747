/** Left sidebar: the camera list (drag to a tile or click to fill the selected tile), add and remove. */
import { useState, type DragEvent } from 'react';
import type { Camera } from '../ipc';
import { CAMERA_MIME } from '../tile/Tile';

interface SidebarProps {
  cameras: Camera[];
  onPick: (id: string) => void;
  onAdd: () => void;
  onRemove: (id: string) => void;
}

export function Sidebar({ cameras, onPick, onAdd, onRemove }: SidebarProps) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const onDragStart = (e: DragEvent, id: string) => {
    e.dataTransfer.setData(CAMERA_MIME, id);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <aside className="sidebar">
      <div className="sidebar-head">
        <span>Cameras</span>
        <span className="muted">{cameras.length}</span>
      </div>
      <ul className="camera-list">
        {cameras.map((c) => (
          <li
            key={c.id}
            className="camera"
            data-camera-id={c.id}
            draggable
            onDragStart={(e) => onDragStart(e, c.id)}
            onClick={() => onPick(c.id)}
            title="Click to show in the selected tile, or drag onto a tile"
          >
            <div className="camera-row">
              <span className="camera-name">{c.name}</span>
              {c.ptz && <span className="badge">PTZ</span>}
              <button
                className={confirming === c.id ? 'camera-remove confirm' : 'camera-remove'}
                aria-label={`Remove ${c.name}`}
                title="Remove camera"
                onClick={(e) => {
                  e.stopPropagation();
                  if (confirming === c.id) {
                    setConfirming(null);
                    onRemove(c.id);
                  } else {
                    setConfirming(c.id);
                  }
                }}
                onBlur={() => setConfirming((x) => (x === c.id ? null : x))}
              >
                {confirming === c.id ? 'Remove?' : '×'}
              </button>
            </div>
            <div className="camera-site muted">{c.site}</div>
            <div className="camera-streams muted">
              {c.streams.map((s) => (
                <span key={s.kind}>
                  {s.kind} {s.width}×{s.height} {s.codec}
                </span>
              ))}
            </div>
          </li>
        ))}
      </ul>
      <button className="add-camera" onClick={onAdd}>
        + Add RTSP camera
      </button>
    </aside>
  );
}
