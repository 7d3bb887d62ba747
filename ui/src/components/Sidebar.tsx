/**
 * Left sidebar: the camera tree, cameras grouped under collapsible site
 * headers with a state dot (drag a camera to a tile or click it to fill the
 * selected tile; remove a camera), and "Add site".
 */
import { useMemo, useState, type DragEvent } from 'react';
import type { Camera } from '../ipc';
import { CAMERA_MIME } from '../tile/Tile';
import type { SiteStatus } from '../sites/sitesIpc';
import { groupBySite, stateLine } from '../sites/siteTree';
import '../sites/sites.css';

interface SidebarProps {
  cameras: Camera[];
  sites: SiteStatus[];
  onPick: (id: string) => void;
  onAdd: () => void;
  onRemove: (id: string) => void;
}

export function Sidebar({ cameras, sites, onPick, onAdd, onRemove }: SidebarProps) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const groups = useMemo(() => groupBySite(cameras, sites), [cameras, sites]);
  const onDragStart = (e: DragEvent, id: string) => {
    e.dataTransfer.setData(CAMERA_MIME, id);
    e.dataTransfer.effectAllowed = 'copy';
  };
  const toggle = (id: string) =>
    setCollapsed((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const camera = (c: Camera) => (
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
      <div className="camera-streams muted">
        {c.streams.map((s) => (
          <span key={s.kind}>
            {s.kind} {s.width}×{s.height} {s.codec}
          </span>
        ))}
      </div>
    </li>
  );
  return (
    <aside className="sidebar">
      <div className="sidebar-head">
        <span>Cameras</span>
        <span className="muted">{cameras.length}</span>
      </div>
      <ul className="camera-list">
        {groups.map((g) => {
          const open = !collapsed.has(g.id);
          const state = g.status?.health.state ?? 'unknown';
          const line = g.status ? stateLine(g.status) : 'State not known';
          return (
            <li key={g.id} className="site-group" data-site-id={g.id} data-state={state}>
              <button type="button" className="site-head" aria-expanded={open} title={`${g.name}: ${line}`} onClick={() => toggle(g.id)}>
                <span className="caret" aria-hidden="true">
                  {open ? '▾' : '▸'}
                </span>
                <span className={`site-dot s-${state}`} aria-hidden="true" />
                <span className="site-head-name">{g.name}</span>
                <span className="site-head-count">{g.cameras.length}</span>
              </button>
              {g.status && g.status.health.state !== 'online' && (
                <div className={`site-group-state site-state s-${state}`} data-site-state={state}>
                  {line}
                </div>
              )}
              {open && (
                <ul>
                  {g.cameras.map(camera)}
                  {g.cameras.length === 0 && <li className="site-group-empty muted">No cameras</li>}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
      <button className="add-camera" onClick={onAdd}>
        Add site
      </button>
    </aside>
  );
}
