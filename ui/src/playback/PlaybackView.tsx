/**
 * The Playback view: a synchronized grid of playback tiles (one engine clock
 * per group; a tile can be unlinked onto its own clock), the transport bar
 * and the timeline of the selected site-local day. Loads the site time zone,
 * the day's UTC bounds and each linked camera's recorded spans from the
 * engine, maps the playback keys, and keeps every seek inside the day and
 * before now.
 */
import { useCallback, useContext, useEffect, useMemo, useRef, useState, type Dispatch } from 'react';
import { ipc, type Camera, type HubInfo } from '../ipc';
import { columns, type GridAction, type GridState } from '../grid/gridState';
import { isTypingTarget } from '../grid/keys';
import { PlaybackTile } from './PlaybackTile';
import { PlaybackControls } from './PlaybackControls';
import { Timeline, type Lane, type Marker } from './Timeline';
import { PlaybackGroup, newGroupId } from './group';
import { clampSeek, followView, fullView, panView, zoomView, type DayInfo, type View } from './timeAxis';
import { mergeSpans, nextRecordingStart, prevRecordingStart, type Span } from './coverage';
import { playbackKeyAction } from './keys';
import { PlaybackSpeedsContext, stepSpeed } from './speed';
import { addDays, siteDate } from './zoned';

/** Entering playback starts this far before now. */
export const START_BACK_MS = 5 * 60_000;
/** How often today's coverage is refreshed. */
const COVERAGE_REFRESH_MS = 30_000;

interface PlaybackViewProps {
  hub: HubInfo | null;
  cameras: Map<string, Camera>;
  state: GridState;
  dispatch: Dispatch<GridAction>;
  report: (e: unknown) => void;
  /** Case and bookmark marks to show on the timeline. */
  markers?: Marker[];
  /** Where the group starts (a case review); default a little before now. */
  startAt?: number;
  /** "Bookmark" on a tile: the camera and the recording time shown. */
  onBookmark?: (cameraId: string, frameMs: number) => void;
  /** The view is going away (Live, or another review): where the playhead was. */
  onLeave?: (positionMs: number) => void;
  /** Start paused (the state saved last time). */
  startPaused?: boolean;
  /** The playhead while the view is shown (a pause, a seek while paused, else every few seconds), for saving. */
  onPosition?: (positionMs: number, paused: boolean) => void;
}

const NO_MARKERS: Marker[] = [];

/** While playing, the playhead is reported for saving this often. */
const POSITION_REPORT_MS = 5_000;

export function PlaybackView({ hub, cameras, state, dispatch, report, markers = NO_MARKERS, startAt, startPaused = false, onBookmark, onLeave, onPosition }: PlaybackViewProps) {
  const [tz, setTz] = useState<string | null>(null);
  /** The speeds every camera on the grid honours ([ and ] step through these). */
  const allowedSpeeds = useContext(PlaybackSpeedsContext);
  const [date, setDate] = useState<string | null>(null);
  const [day, setDay] = useState<DayInfo | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [group] = useState(() => new PlaybackGroup(newGroupId(), { at: startAt ?? Date.now() - START_BACK_MS, speed: 1, paused: startPaused }, Date.now()));
  const [solo, setSolo] = useState<ReadonlyMap<number, PlaybackGroup>>(() => new Map());
  const [spans, setSpans] = useState<Record<string, Span[]>>({});
  const seekToDayStart = useRef(false);
  const leaveRef = useRef(onLeave);
  leaveRef.current = onLeave;
  // report where the playhead was when the view goes (kept across Live <-> Playback)
  useEffect(() => () => leaveRef.current?.(group.playhead.position(Date.now())), [group]);
  // report the playhead for saving: at once on a pause or a seek while paused, else every few seconds
  const positionRef = useRef(onPosition);
  positionRef.current = onPosition;
  useEffect(() => {
    let last: { pos: number; paused: boolean; at: number } | null = null;
    const t = setInterval(() => {
      const now = Date.now();
      const pos = group.playhead.position(now);
      const paused = group.playhead.paused;
      const due =
        !last || paused !== last.paused || (paused ? Math.abs(pos - last.pos) > 250 : now - last.at >= POSITION_REPORT_MS);
      if (!due) return;
      last = { pos, paused, at: now };
      positionRef.current?.(Math.round(pos), paused);
    }, 400);
    return () => clearInterval(t);
  }, [group]);

  // The grid's first camera decides the site whose time zone the day and
  // the timeline use (each site has its own zone).
  const zoneCamera = useMemo(() => state.tiles.find((c): c is string => !!c) ?? null, [state.tiles]);

  // Site time zone, then the site's date of the start asked for (else today).
  useEffect(() => {
    let cancelled = false;
    ipc.siteTimeZone(zoneCamera).then(
      (zone) => {
        if (cancelled) return;
        setTz(zone);
        setDate((d) => d ?? siteDate(zone, startAt ?? Date.now()));
      },
      (e) => {
        if (cancelled) return;
        report(e);
        const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        setTz(zone);
        setDate((d) => d ?? siteDate(zone, startAt ?? Date.now()));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [report, zoneCamera, startAt]);

  // The day's UTC bounds.
  useEffect(() => {
    if (!date) return;
    let cancelled = false;
    ipc.playbackDay(date, zoneCamera).then((d) => {
      if (cancelled) return;
      setDay(d);
      setView(fullView(d));
      if (seekToDayStart.current) {
        seekToDayStart.current = false;
        group.control({ type: 'seek', at: clampSeek(d.start, d, Date.now()) }, Date.now());
      }
    }, report);
    return () => {
      cancelled = true;
    };
  }, [date, group, report, zoneCamera]);

  const linkedCameras = useMemo(() => {
    const out: string[] = [];
    state.tiles.forEach((c, i) => {
      if (c && !solo.has(i) && !out.includes(c)) out.push(c);
    });
    return out;
  }, [state.tiles, solo]);
  const linkedKey = linkedCameras.join('\n');

  // Coverage of the linked cameras for the day (refreshed while the day is today).
  useEffect(() => {
    if (!day || !linkedKey) return;
    let cancelled = false;
    const cams = linkedKey.split('\n');
    const load = (first: boolean) => {
      const to = Math.min(day.end, Date.now());
      for (const cam of cams) {
        ipc.recordings(cam, day.start, to).then(
          (list) => !cancelled && setSpans((prev) => ({ ...prev, [cam]: mergeSpans(list) })),
          (e) => !cancelled && first && report(e),
        );
      }
    };
    load(true);
    const timer = day.end > Date.now() ? setInterval(() => load(false), COVERAGE_REFRESH_MS) : null;
    return () => {
      cancelled = true;
      if (timer) clearInterval(timer);
    };
  }, [day, linkedKey, report]);

  const selectedCamera = state.tiles[state.selected] ?? null;
  const lanes: Lane[] = useMemo(
    () =>
      linkedCameras.map((c) => ({
        camera: c,
        name: cameras.get(c)?.name ?? c,
        spans: day && spans[c] ? spans[c].filter((s) => s.end > day.start && s.start < day.end) : [],
        selected: c === selectedCamera,
      })),
    [linkedCameras, cameras, spans, day, selectedCamera],
  );
  const allSpans = useMemo(() => mergeSpans(lanes.flatMap((l) => l.spans)), [lanes]);

  const seek = useCallback(
    (t: number) => {
      if (!day) return;
      const at = clampSeek(t, day, Date.now());
      group.control({ type: 'seek', at }, Date.now());
      setView((v) => (v ? followView(v, at, true, day) : v));
    },
    [day, group],
  );
  const position = useCallback(() => group.playhead.position(Date.now()), [group]);
  const togglePlay = useCallback(() => group.control({ type: group.playhead.paused ? 'play' : 'pause' }, Date.now()), [group]);
  const setSpeed = useCallback((speed: number) => group.control({ type: 'speed', speed }, Date.now()), [group]);
  const step = useCallback((frames: 1 | -1) => group.control({ type: 'step', frames }, Date.now()), [group]);
  const prevRecording = useCallback(() => {
    const t = prevRecordingStart(allSpans, position());
    if (t !== null) seek(t);
  }, [allSpans, position, seek]);
  const nextRecording = useCallback(() => {
    const t = nextRecordingStart(allSpans, position());
    if (t !== null) seek(t);
  }, [allSpans, position, seek]);

  const today = tz ? siteDate(tz, Date.now()) : '';
  const pickDate = useCallback(
    (d: string) => {
      if (!tz || d > siteDate(tz, Date.now()) || d === date) return;
      seekToDayStart.current = true;
      setDate(d);
    },
    [tz, date],
  );
  const onOutOfDay = useCallback(
    (t: number) => {
      if (!tz) return;
      const d = siteDate(tz, t);
      if (d !== date && d <= siteDate(tz, Date.now())) setDate(d);
    },
    [tz, date],
  );

  // Keyboard: Space, Left/Right, Shift+Left/Right, [ ], Home/End.
  useEffect(() => {
    const handled = (e: KeyboardEvent) => !isTypingTarget(e.target) && playbackKeyAction(e) !== null;
    const onKey = (e: KeyboardEvent) => {
      if (isTypingTarget(e.target) || !day) return;
      const a = playbackKeyAction(e);
      if (!a) return;
      e.preventDefault();
      if (a.type === 'togglePlay') togglePlay();
      else if (a.type === 'step') step(a.frames);
      else if (a.type === 'seekBy') seek(position() + a.ms);
      else if (a.type === 'speedStep') setSpeed(stepSpeed(group.playhead.speed, a.dir, allowedSpeeds));
      else if (a.type === 'dayStart') seek(day.start);
      else if (a.type === 'dayEnd') seek(Number.POSITIVE_INFINITY);
    };
    // A focused button must not also "click" on the Space we handled.
    const onKeyUp = (e: KeyboardEvent) => {
      if (handled(e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [allowedSpeeds, day, group, position, seek, setSpeed, step, togglePlay]);

  const toggleLink = (i: number) => {
    const next = new Map(solo);
    if (next.has(i)) next.delete(i);
    else next.set(i, new PlaybackGroup(newGroupId('solo'), group.startParams(Date.now()), Date.now()));
    setSolo(next);
  };
  const zoom = (factor: number) => {
    if (!day || !view) return;
    const pos = position();
    const anchor = pos >= view.start && pos <= view.end ? pos : (view.start + view.end) / 2;
    setView(zoomView(view, factor, anchor, day));
  };

  if (!tz || !date || !day || !view) {
    return (
      <div className="playback" data-loaded="false">
        <div className="pb-loading muted">Loading playback…</div>
      </div>
    );
  }
  const n = columns(state.grid);
  return (
    <div className="playback" data-loaded="true" data-group={group.id}>
      <main
        className="grid pb-grid"
        data-grid={state.grid}
        data-maximized={state.maximized === null ? '' : state.maximized + 1}
        style={{ gridTemplateColumns: `repeat(${n}, 1fr)`, gridTemplateRows: `repeat(${n}, 1fr)` }}
      >
        {state.tiles.map((id, i) => (
          <PlaybackTile
            key={i}
            index={i}
            cameraId={id}
            camera={id ? cameras.get(id) : undefined}
            hub={hub}
            tz={tz}
            group={solo.get(i) ?? group}
            linked={!solo.has(i)}
            selected={state.selected === i}
            maximized={state.maximized === i}
            hidden={state.maximized !== null && state.maximized !== i}
            onSelect={(tile) => dispatch({ type: 'select', tile })}
            onToggleMaximize={(tile) => dispatch({ type: 'toggleMaximize', tile })}
            onClear={(tile) => dispatch({ type: 'clear', tile })}
            onDropCamera={(tile, camera) => dispatch({ type: 'assign', tile, camera })}
            onToggleLink={toggleLink}
            onBookmark={onBookmark}
          />
        ))}
      </main>
      <section className="pb-bottom">
        <PlaybackControls
          group={group}
          tz={tz}
          date={date}
          today={today}
          canPrevRecording={allSpans.length > 0}
          canNextRecording={allSpans.length > 0}
          onDate={pickDate}
          onDayStep={(d) => pickDate(addDays(date, d))}
          onPrevRecording={prevRecording}
          onNextRecording={nextRecording}
          onStep={step}
          onTogglePlay={togglePlay}
          onSpeed={setSpeed}
          onZoom={zoom}
          onPan={(f) => setView(panView(view, f * (view.end - view.start), day))}
          onFullDay={() => setView(fullView(day))}
        />
        <Timeline
          day={day}
          tz={tz}
          view={view}
          onView={setView}
          lanes={lanes}
          markers={markers}
          group={group}
          onSeek={seek}
          onOutOfDay={onOutOfDay}
        />
      </section>
    </div>
  );
}
