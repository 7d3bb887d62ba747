/**
 * The playback timeline: a ruler with site-local ticks over the selected
 * day (UTC axis, so a DST day shows 23 or 25 hours), one coverage lane per
 * camera, case/bookmark markers, the "future" region that cannot be sought,
 * a playhead that follows the group's playhead (updated every animation
 * frame, no React render), a hover time tooltip, click/drag to seek, wheel
 * zoom at the cursor and drag-the-ruler / shift+wheel pan.
 */
import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { clampSeek, followView, panView, timeToX, xToTime, zoomView, type DayInfo, type View } from './timeAxis';
import { generateTicks } from './ticks';
import { coverageRects, type Span } from './coverage';
import { formatSiteTime } from './zoned';
import type { PlaybackGroup } from './group';
import { useThumbnail } from './useThumbnail';

export interface Lane {
  camera: string;
  name: string;
  spans: Span[];
  selected: boolean;
}

export interface Marker {
  at: number;
  kind: 'case' | 'bookmark';
  label: string;
  /** A bookmark's id and camera. */
  id?: number;
  camera?: string;
}

interface TimelineProps {
  day: DayInfo;
  tz: string;
  view: View;
  onView: (v: View) => void;
  lanes: Lane[];
  markers: Marker[];
  group: PlaybackGroup;
  onSeek: (t: number) => void;
  /** The playhead left the day (played past midnight): show the day of `t`. */
  onOutOfDay: (t: number) => void;
}

/** While dragging the playhead, seek at most this often. */
const SCRUB_SEEK_MS = 250;
/** Wheel zoom: factor 2 per this much deltaY. */
const WHEEL_ZOOM_DELTA = 300;

export function Timeline(p: TimelineProps) {
  const { day, tz, view, lanes, markers } = p;
  const rootRef = useRef<HTMLDivElement>(null);
  const trackRef = useRef<HTMLDivElement>(null);
  const rulerRef = useRef<HTMLDivElement>(null);
  const playheadRef = useRef<HTMLDivElement>(null);
  const futureRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ x: number; t: number; camera: string | null; px: number; py: number } | null>(null);
  const scrub = useRef<{ t: number; lastSeek: number } | null>(null);
  const pan = useRef<{ x: number; view: View } | null>(null);
  const latest = useRef(p);
  useEffect(() => {
    latest.current = p;
  });

  // Track width.
  useEffect(() => {
    const el = trackRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  // Playhead, "now" and following, every animation frame.
  useEffect(() => {
    let raf = 0;
    let wasInside = true;
    let outReported = false;
    const tick = () => {
      raf = requestAnimationFrame(tick);
      const { view, day, group } = latest.current;
      const w = trackRef.current?.clientWidth ?? 0;
      const now = Date.now();
      const pos = scrub.current?.t ?? group.playhead.position(now);
      const ph = playheadRef.current;
      const root = rootRef.current;
      if (ph && root) {
        const x = timeToX(pos, view, w);
        const inside = pos >= view.start && pos <= view.end;
        ph.style.transform = `translateX(${x.toFixed(1)}px)`;
        ph.style.visibility = inside ? 'visible' : 'hidden';
        root.dataset.position = String(Math.round(pos));
        // Page the window when the playhead runs out of it (not when the user panned away).
        if (!inside && wasInside && !scrub.current && !pan.current && pos >= day.start && pos < day.end) {
          latest.current.onView(followView(view, pos, group.playhead.speed > 0, day));
        }
        wasInside = inside;
      }
      const fut = futureRef.current;
      if (fut) {
        const x = Math.max(0, timeToX(now, view, w));
        fut.style.left = `${Math.min(x, w).toFixed(1)}px`;
        fut.style.display = now < view.end ? 'block' : 'none';
      }
      const out = !scrub.current && !group.playhead.seeking(now) && (pos >= day.end || pos < day.start);
      if (out && !outReported) latest.current.onOutOfDay(pos);
      outReported = out;
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, []);

  // Wheel: zoom at the cursor; shift or horizontal wheel pans. Native listener (not passive).
  useEffect(() => {
    const els = [trackRef.current, rulerRef.current].filter((e): e is HTMLDivElement => !!e);
    const onWheel = (e: WheelEvent) => {
      const { view, day, onView } = latest.current;
      const el = trackRef.current;
      if (!el) return;
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const w = rect.width;
      const horizontal = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
      if (horizontal) {
        const d = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY;
        onView(panView(view, (d / Math.max(w, 1)) * (view.end - view.start), day));
      } else {
        const anchor = xToTime(e.clientX - rect.left, view, w);
        onView(zoomView(view, 2 ** (e.deltaY / WHEEL_ZOOM_DELTA), anchor, day));
      }
    };
    for (const el of els) el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      for (const el of els) el.removeEventListener('wheel', onWheel);
    };
  }, []);

  const timeAt = (e: ReactPointerEvent) => {
    const el = trackRef.current;
    if (!el) return { x: 0, t: view.start, camera: null, px: 0, py: 0 };
    const rect = el.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - rect.left, 0), rect.width);
    // the lane under the pointer names the camera whose picture is shown
    const lane = (document.elementsFromPoint?.(e.clientX, e.clientY) ?? []).find((el) => el.classList.contains('tl-lane')) as HTMLElement | undefined;
    return { x, t: xToTime(x, view, rect.width), camera: lane?.dataset.camera ?? null, px: rect.left + x, py: rect.top };
  };
  const onTrackDown = (e: ReactPointerEvent) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture?.(e.pointerId);
    scrub.current = { t: clampSeek(timeAt(e).t, day, Date.now()), lastSeek: Date.now() };
  };
  const onTrackMove = (e: ReactPointerEvent) => {
    const h = timeAt(e);
    setHover(h);
    const s = scrub.current;
    if (!s) return;
    const now = Date.now();
    s.t = clampSeek(h.t, day, now);
    if (now - s.lastSeek >= SCRUB_SEEK_MS) {
      s.lastSeek = now;
      p.onSeek(s.t);
    }
  };
  const onTrackUp = () => {
    const s = scrub.current;
    scrub.current = null;
    if (s) p.onSeek(s.t);
  };
  const onRulerDown = (e: ReactPointerEvent) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture?.(e.pointerId);
    pan.current = { x: e.clientX, view };
  };
  const onRulerMove = (e: ReactPointerEvent) => {
    const s = pan.current;
    if (!s || width <= 0) return;
    const dt = ((s.x - e.clientX) / width) * (s.view.end - s.view.start);
    p.onView(panView(s.view, dt, day));
  };

  const ticks = useMemo(() => (width > 0 ? generateTicks(view, width, tz, day.end) : []), [view, width, tz, day.end]);
  const spanMs = view.end - view.start;
  const thumb = useThumbnail(hover?.camera ?? null, hover?.t ?? null, width > 0 ? spanMs / width : 1000);
  return (
    <div
      ref={rootRef}
      className="timeline"
      data-day={day.date}
      data-day-start={day.start}
      data-day-end={day.end}
      data-hours={day.hours}
      data-view-start={Math.round(view.start)}
      data-view-end={Math.round(view.end)}
      data-position=""
    >
      <div
        ref={rulerRef}
        className="tl-ruler"
        title="Drag to pan, wheel to zoom"
        onPointerDown={onRulerDown}
        onPointerMove={onRulerMove}
        onPointerUp={() => (pan.current = null)}
        onPointerCancel={() => (pan.current = null)}
      >
        {ticks.map((t) => (
          <div key={`${t.t}`} className={t.major ? 'tl-tick major' : 'tl-tick'} style={{ left: timeToX(t.t, view, width) }} data-t={t.t}>
            {t.label && <span className="tl-label">{t.label}</span>}
          </div>
        ))}
      </div>
      <div
        ref={trackRef}
        className="tl-track"
        data-span-ms={spanMs}
        onPointerDown={onTrackDown}
        onPointerMove={onTrackMove}
        onPointerUp={onTrackUp}
        onPointerCancel={() => (scrub.current = null)}
        onPointerLeave={() => setHover(null)}
      >
        <div className="tl-lanes">
          {lanes.length === 0 && <div className="tl-empty">No camera in the linked tiles</div>}
          {lanes.map((l) => (
            <div key={l.camera} className={l.selected ? 'tl-lane selected' : 'tl-lane'} data-camera={l.camera} title={l.name}>
              {coverageRects(l.spans, view, width).map((r) => (
                <div
                  key={r.start}
                  className="tl-span"
                  data-start={r.start}
                  data-end={r.end}
                  style={{ left: r.x, width: r.w }}
                />
              ))}
            </div>
          ))}
        </div>
        {markers
          .filter((m) => m.at >= view.start && m.at <= view.end)
          .map((m) => (
            <div
              key={`${m.kind}-${m.id ?? ''}-${m.at}`}
              className={`tl-marker tl-marker-${m.kind}`}
              style={{ left: timeToX(m.at, view, width) }}
              title={m.label}
              data-t={m.at}
              data-bookmark-id={m.id}
              data-camera={m.camera}
            />
          ))}
        <div ref={futureRef} className="tl-future" title="Not recorded yet" />
        <div ref={playheadRef} className="tl-playhead" />
        {hover && (
          <>
            <div className="tl-hover" style={{ left: hover.x }} />
            <div className="tl-tooltip" style={{ left: Math.min(Math.max(hover.x, 34), Math.max(width - 34, 34)) }} data-t={Math.round(hover.t)}>
              {formatSiteTime(tz, hover.t)}
            </div>
            {thumb && (
              <div
                className="tl-thumb"
                style={{ left: Math.max(hover.px, 100), top: hover.py - 30 }}
                data-camera={thumb.camera}
                data-t={thumb.t}
                data-state={thumb.state}
                data-frame-ms={thumb.state === 'shown' ? thumb.thumb.frameMs : ''}
                aria-hidden="true"
              >
                {thumb.state === 'shown' ? (
                  <img src={thumb.thumb.dataUrl} width={thumb.thumb.width} height={thumb.thumb.height} alt="" />
                ) : (
                  <span className="tl-thumb-note">{thumb.state === 'loading' ? '…' : thumb.reason}</span>
                )}
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}
