/**
 * Inline player of one case clip: play/pause, speed 1x-4x, frame step,
 * the camera name and the clip's time range (recorder clock, UTC), and the
 * current recording time under the playhead. Paused, the player rests on a
 * real frame of the clip (its times from the engine, clipFrames.ts) and the
 * time shown is that frame's.
 */
import { useEffect, useRef, useState } from 'react';
import { casesIpc, mediaUrl, type Job } from './casesIpc';
import { timeRange, utcTime } from './caseFormat';
import { frameAt, frameTime, framesFromMicros, seekTarget, seeksSnapForward, stepFrom } from './clipFrames';

const SPEEDS = [1, 2, 3, 4];
const SNAP_FORWARD = typeof navigator !== 'undefined' && seeksSnapForward(navigator.userAgent);

export function ClipPlayer({ job, cameraName }: { job: Job; cameraName: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [pos, setPos] = useState(0);
  // the clip's frame times (s); empty until known (then a 15 fps grid stands in)
  const frames = useRef<number[]>([]);
  useEffect(() => {
    let live = true;
    frames.current = [];
    casesIpc.clipFrameTimes(job.id).then(
      (us) => {
        if (live) frames.current = framesFromMicros(us);
      },
      () => undefined, // the player still plays; steps use the grid
    );
    return () => {
      live = false;
    };
  }, [job.id, job.media?.path]);
  const start = job.media?.actualStartMs ?? job.windowStartMs;
  const end = job.media?.actualEndMs ?? job.windowEndMs;
  /** Seeks so the picture shows frame `k`. */
  const showFrame = (v: HTMLVideoElement, k: number) => {
    v.currentTime = Math.min(seekTarget(frames.current, k, SNAP_FORWARD), v.duration || Number.MAX_VALUE);
  };
  const toggle = () => {
    const v = ref.current;
    if (!v) return;
    if (v.paused) v.play().catch(() => undefined);
    else v.pause();
  };
  const step = (dir: number) => {
    const v = ref.current;
    if (!v) return;
    v.pause();
    showFrame(v, stepFrom(frames.current, v.currentTime, dir));
  };
  /** Paused or seeked: the time of the frame the player rests on. */
  const settle = (v: HTMLVideoElement) => setPos(frameTime(frames.current, frameAt(frames.current, v.currentTime)));
  const changeSpeed = (s: number) => {
    setSpeed(s);
    if (ref.current) ref.current.playbackRate = s;
  };
  return (
    <figure className="clip" data-job={job.id}>
      <video
        ref={ref}
        src={mediaUrl(job)}
        preload="auto"
        playsInline
        onPlay={() => setPlaying(true)}
        onPause={(e) => {
          setPlaying(false);
          // rest on the frame of the paused time (the picture may be a frame on), labelled with its own time
          const v = e.currentTarget;
          showFrame(v, frameAt(frames.current, v.currentTime));
          settle(v);
        }}
        onSeeked={(e) => (e.currentTarget.paused ? settle(e.currentTarget) : setPos(e.currentTarget.currentTime))}
        onTimeUpdate={(e) => {
          if (!e.currentTarget.paused) setPos(e.currentTarget.currentTime);
        }}
        onLoadedMetadata={(e) => {
          e.currentTarget.playbackRate = speed;
          // show the first frame, not a black box, before Play
          if (e.currentTarget.currentTime === 0) showFrame(e.currentTarget, 0);
        }}
        onClick={toggle}
      />
      <div className="clip-controls">
        <button onClick={() => step(-1)} title="Previous frame" aria-label="Previous frame">◀|</button>
        <button onClick={toggle} aria-label={playing ? 'Pause' : 'Play'}>{playing ? '❚❚' : '▶'}</button>
        <button onClick={() => step(1)} title="Next frame" aria-label="Next frame">|▶</button>
        <select aria-label="Speed" value={speed} onChange={(e) => changeSpeed(Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>{s}x</option>
          ))}
        </select>
        <span className="clip-at">{utcTime(Math.round(start + pos * 1000)).slice(11, 23)}</span>
      </div>
      <figcaption>
        <strong>{cameraName}</strong> <span>{timeRange(start, end)}</span>
      </figcaption>
    </figure>
  );
}
