/**
 * The playback transport bar: date picker (no future dates) with previous/
 * next day, previous/next recording, step, play/pause, speed, zoom and pan
 * buttons, and the position clock (site time) with the site's time zone.
 * The speed picker offers only what the cameras on screen can do (no reverse
 * when one of them cannot play backwards).
 */
import { useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import type { PlaybackGroup } from './group';
import { PlaybackSpeedsContext, speedChoices, speedLabel } from './speed';
import { formatSiteTime, isIsoDate } from './zoned';

export interface TransportHandlers {
  onDate: (date: string) => void;
  onDayStep: (days: 1 | -1) => void;
  onPrevRecording: () => void;
  onNextRecording: () => void;
  onStep: (frames: 1 | -1) => void;
  onTogglePlay: () => void;
  onSpeed: (speed: number) => void;
  onZoom: (factor: number) => void;
  onPan: (fraction: number) => void;
  onFullDay: () => void;
}

interface PlaybackControlsProps extends TransportHandlers {
  group: PlaybackGroup;
  tz: string;
  date: string;
  today: string;
  canPrevRecording: boolean;
  canNextRecording: boolean;
}

/** The playhead as text, refreshed a few times a second without a React render. */
function PositionClock({ group, tz }: { group: PlaybackGroup; tz: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const t = setInterval(() => {
      const el = ref.current;
      if (!el) return;
      const pos = group.playhead.position(Date.now());
      const text = formatSiteTime(tz, pos);
      if (el.textContent !== text) el.textContent = text;
      el.dataset.position = String(Math.round(pos));
    }, 100);
    return () => clearInterval(t);
  }, [group, tz]);
  return <span ref={ref} className="pb-position" aria-label="Playback position" />;
}

export function PlaybackControls(p: PlaybackControlsProps) {
  const { speed, paused } = useSyncExternalStore(p.group.subscribe, p.group.snapshot);
  const allowed = useContext(PlaybackSpeedsContext);
  return (
    <div className="pb-controls" role="toolbar" aria-label="Playback controls">
      <div className="pb-date">
        <button aria-label="Previous day" title="Previous day" onClick={() => p.onDayStep(-1)}>
          ‹
        </button>
        <input
          type="date"
          aria-label="Playback date"
          value={p.date}
          max={p.today}
          required
          onChange={(e) => {
            const v = e.target.value;
            if (isIsoDate(v) && v <= p.today) p.onDate(v);
          }}
        />
        <button aria-label="Next day" title="Next day" disabled={p.date >= p.today} onClick={() => p.onDayStep(1)}>
          ›
        </button>
      </div>
      <div className="pb-transport">
        <button aria-label="Previous recording" title="Previous recording" disabled={!p.canPrevRecording} onClick={p.onPrevRecording}>
          «
        </button>
        <button aria-label="Step back" title="One frame back (Left)" onClick={() => p.onStep(-1)}>
          ◀|
        </button>
        <button className="pb-play" aria-label={paused ? 'Play' : 'Pause'} title="Play/pause (Space)" data-paused={paused} onClick={p.onTogglePlay}>
          {paused ? '▶' : '❚❚'}
        </button>
        <button aria-label="Step forward" title="One frame forward (Right)" onClick={() => p.onStep(1)}>
          |▶
        </button>
        <button aria-label="Next recording" title="Next recording" disabled={!p.canNextRecording} onClick={p.onNextRecording}>
          »
        </button>
        <select
          aria-label="Speed"
          title="Speed ([ and ])"
          value={String(speed)}
          onChange={(e) => {
            p.onSpeed(Number(e.target.value));
            e.currentTarget.blur();
          }}
        >
          {speedChoices(allowed, speed).map((s) => (
            <option key={s} value={String(s)}>
              {speedLabel(s)}
            </option>
          ))}
        </select>
      </div>
      <PositionClock group={p.group} tz={p.tz} />
      <span className="muted pb-tz" title="Site time zone">
        {p.tz}
      </span>
      <div className="spacer" />
      <div className="pb-zoom">
        <button aria-label="Pan left" title="Earlier" onClick={() => p.onPan(-0.5)}>
          ◂
        </button>
        <button aria-label="Zoom out" title="Zoom out (wheel)" onClick={() => p.onZoom(2)}>
          −
        </button>
        <button aria-label="Zoom in" title="Zoom in (wheel)" onClick={() => p.onZoom(0.5)}>
          +
        </button>
        <button aria-label="Whole day" title="Show the whole day" onClick={p.onFullDay}>
          Day
        </button>
        <button aria-label="Pan right" title="Later" onClick={() => p.onPan(0.5)}>
          ▸
        </button>
      </div>
    </div>
  );
}
