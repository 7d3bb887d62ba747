/**
 * A case: header (label, title, event time, equipment, status, notes),
 * per-camera footage status with progress and failure reasons, Playbacks
 * (inline clip players), Snapshots (thumbnails, click for full size), the
 * Nearest Camera View (Live) as live tiles, "Review around event", and
 * "Export package" (a signed incident package of the case).
 */
import { useEffect, useState } from 'react';
import type { Camera, HubInfo } from '../ipc';
import { Tile } from '../tile/Tile';
import { ClipPlayer } from './ClipPlayer';
import { casesIpc, mediaUrl, type CaseDetail, type Job } from './casesIpc';
import { jobLine, jobsByCamera, utcTime } from './caseFormat';
import { CasePackageButton } from '../evidence/CasePackageButton';

interface Props {
  detail: CaseDetail;
  cameras: Map<string, Camera>;
  hub: HubInfo | null;
  onChanged: (d: CaseDetail) => void;
  onReview: (cameras: string[], eventMs: number) => void;
  report: (e: unknown) => void;
}

export function CaseDetailView({ detail, cameras, hub, onChanged, onReview, report }: Props) {
  const c = detail.case;
  const [now, setNow] = useState(() => Date.now());
  const [full, setFull] = useState<Job | null>(null);
  const [notes, setNotes] = useState(c.notes);
  useEffect(() => setNotes(c.notes), [c.id, c.notes]);
  const waiting = detail.jobs.some((j) => j.status === 'pending' || j.status === 'running');
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [waiting]);
  const rows = jobsByCamera(c, detail.jobs);
  const clips = rows.filter((r) => r.clip?.status === 'done');
  const snaps = rows.filter((r) => r.snapshot?.status === 'done');
  const update = (u: Parameters<typeof casesIpc.updateCase>[1]) =>
    casesIpc.updateCase(c.id, u).then((nc) => onChanged({ ...detail, case: nc }), report);
  const retry = (j: Job) => casesIpc.retryJob(j.id).catch(report);
  return (
    <article className="case-detail" data-case={c.id}>
      <header>
        <h2>
          {c.label} · {c.title}
        </h2>
        <div className="case-meta">
          <span>Event {utcTime(c.eventMs)}</span>
          <span>
            {c.equipmentName} ({c.equipmentKind})
          </span>
          <select aria-label="Case status" value={c.status} onChange={(e) => update({ status: e.target.value as 'open' | 'closed' })}>
            <option value="open">Open</option>
            <option value="closed">Closed</option>
          </select>
          <button className="primary" onClick={() => onReview(c.cameras.map((x) => x.cameraId), c.eventMs)}>
            Review around event
          </button>
        </div>
        <CasePackageButton caseId={c.id} report={report} />
        <textarea
          aria-label="Case notes"
          value={notes}
          rows={2}
          placeholder="Notes"
          onChange={(e) => setNotes(e.target.value)}
          onBlur={() => notes !== c.notes && update({ notes })}
        />
      </header>

      <section>
        <h3>Footage</h3>
        <table className="job-table">
          <tbody>
            {rows.map((r) => (
              <tr key={r.cameraId} data-camera={r.cameraId}>
                <td>{r.cameraName}</td>
                {[r.clip, r.snapshot].map((j, i) => (
                  <td key={i} className={j ? `job-${j.status}` : ''} data-kind={i === 0 ? 'clip' : 'snapshot'} data-status={j?.status ?? ''}>
                    {i === 0 ? 'Clip: ' : 'Snapshot: '}
                    {jobLine(j, now)}
                    {j?.status === 'running' && <progress value={j.progress} max={1} />}
                    {j?.status === 'failed' && <button onClick={() => retry(j)}>Retry</button>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section>
        <h3>Playbacks</h3>
        {clips.length === 0 && <p className="muted">No clip yet.</p>}
        <div className="clips">
          {clips.map((r) => r.clip && <ClipPlayer key={r.clip.id} job={r.clip} cameraName={r.cameraName} />)}
        </div>
      </section>

      <section>
        <h3>Snapshots</h3>
        {snaps.length === 0 && <p className="muted">No snapshot yet.</p>}
        <div className="snapshots">
          {snaps.map(
            (r) =>
              r.snapshot && (
                <button key={r.snapshot.id} className="snapshot" onClick={() => setFull(r.snapshot ?? null)} title={`${r.cameraName} at ${utcTime(r.snapshot.media?.actualStartMs ?? c.eventMs)}`}>
                  <img src={mediaUrl(r.snapshot)} alt={`Snapshot of ${r.cameraName}`} loading="lazy" />
                  <span>{r.cameraName}</span>
                </button>
              ),
          )}
        </div>
      </section>

      <section>
        <h3>Nearest Camera View (Live)</h3>
        <div className="case-live">
          {c.cameras.map((cc, i) => (
            <div key={cc.cameraId} className="case-live-tile">
              <Tile
                index={i}
                cameraId={cc.cameraId}
                camera={cameras.get(cc.cameraId)}
                hub={hub}
                selected={false}
                maximized={false}
                hidden={false}
                onSelect={() => undefined}
                onToggleMaximize={() => undefined}
                onClear={() => undefined}
                onDropCamera={() => undefined}
              />
            </div>
          ))}
        </div>
      </section>

      {full && (
        <div className="lightbox" role="dialog" aria-label="Snapshot" onClick={() => setFull(null)}>
          <img src={mediaUrl(full)} alt="Snapshot, full size" />
        </div>
      )}
    </article>
  );
}
