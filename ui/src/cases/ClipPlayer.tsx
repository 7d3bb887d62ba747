/**
 * Inline player of one case clip: play/pause, speed 1x-4x, frame step,
 * the camera name and the clip's time range (recorder clock, UTC), and the
 * current recording time under the playhead.
 */
import { useRef, useState } from 'react';
import { mediaUrl, type Job } from './casesIpc';
import { timeRange, utcTime } from './caseFormat';

const SPEEDS = [1, 2, 3, 4];
const FRAME_S = 1 / 15;

export function ClipPlayer({ job, cameraName }: { job: Job; cameraName: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [pos, setPos] = useState(0);
  const start = job.media?.actualStartMs ?? job.windowStartMs;
  const end = job.media?.actualEndMs ?? job.windowEndMs;
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
    v.currentTime = Math.min(Math.max(0, v.currentTime + dir * FRAME_S), v.duration || 0);
  };
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
          // the label shows where the clip stopped, not the last timeupdate before it
          setPos(e.currentTarget.currentTime);
        }}
        onSeeked={(e) => setPos(e.currentTarget.currentTime)}
        onTimeUpdate={(e) => setPos(e.currentTarget.currentTime)}
        onLoadedMetadata={(e) => {
          e.currentTarget.playbackRate = speed;
          // show the first frame, not a black box, before Play
          if (e.currentTarget.currentTime === 0) e.currentTarget.currentTime = 0.001;
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
        <span className="clip-at">{utcTime(start + pos * 1000).slice(11, 23)}</span>
      </div>
      <figcaption>
        <strong>{cameraName}</strong> <span>{timeRange(start, end)}</span>
      </figcaption>
    </figure>
  );
}
