/**
 * The case panel: case list with search and status filter, "New case",
 * the nearest-camera settings, and the selected case's detail. Job changes
 * pushed by the footage worker update the open case as they happen.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Camera, HubInfo } from '../ipc';
import { CaseDetailView } from './CaseDetailView';
import { NearestEditor } from './NearestEditor';
import { NewCaseDialog, type NewCaseSeed } from './NewCaseDialog';
import { busIpc } from '../bus/busIpc';
import { useBusEvents } from '../bus/useBusEvents';
import { casesIpc, onFootageJob, type Case, type CaseDetail, type CaseStatus, type Equipment, type NewCase } from './casesIpc';
import { mergeJob, utcTime } from './caseFormat';
import { caseLoader } from './caseLoader';
import './cases.css';

interface Props {
  cameras: Camera[];
  hub: HubInfo | null;
  /** Set to open the New case dialog (e.g. from a tile), cleared by onSeedUsed. */
  seed: NewCaseSeed | null;
  onSeedUsed: () => void;
  onClose: () => void;
  onReview: (cameras: string[], eventMs: number) => void;
  report: (e: unknown) => void;
}

export function CasesPanel({ cameras, hub, seed, onSeedUsed, onClose, onReview, report }: Props) {
  const [list, setList] = useState<Case[]>([]);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<CaseStatus | ''>('');
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [equipment, setEquipment] = useState<Equipment[]>([]);
  const [creating, setCreating] = useState<NewCaseSeed | null>(null);
  const [settings, setSettings] = useState(false);
  const byId = new Map(cameras.map((c) => [c.id, c]));

  const refresh = useCallback(() => {
    casesIpc.listCases({ search: search || undefined, status: status || undefined }).then(setList, report);
  }, [search, status, report]);
  useEffect(() => {
    const t = setTimeout(refresh, 150);
    return () => clearTimeout(t);
  }, [refresh]);
  const loadEquipment = useCallback(() => casesIpc.listEquipment().then(setEquipment, report), [report]);
  useEffect(() => {
    loadEquipment();
  }, [loadEquipment]);
  useEffect(() => {
    if (seed) {
      setCreating(seed);
      onSeedUsed();
    }
  }, [seed, onSeedUsed]);

  // the case clicked last, loaded again by news that lands before its first answer (caseLoader.ts)
  const reportRef = useRef(report);
  reportRef.current = report;
  const loader = useMemo(() => caseLoader(casesIpc.getCase, setDetail, (e) => reportRef.current(e)), []);
  const shownId = useRef<string | null>(null);
  useEffect(() => {
    shownId.current = detail?.case.id ?? null;
  }, [detail]);
  useEffect(() => {
    // no job events (no Tauri event plugin) is not an error: the panel still lists and opens cases
    // a job of the case shown is merged; of the case still loading, loads it again
    const un = onFootageJob((job) => {
      if (shownId.current === job.caseId) setDetail((d) => (d && d.case.id === job.caseId ? { ...d, jobs: mergeJob(d.jobs, job) } : d));
      else loader.changed(job.caseId);
    }).catch(() => null);
    return () => {
      un.then((f) => f?.()).catch(() => undefined);
    };
  }, [loader]);

  const open = (id: string) => loader.open(id);
  // cases and media from the bus (any console, the CMS, the workers): no polling
  useBusEvents({
    onCases: refresh,
    onMedia: (r) => loader.changed(r.caseId),
  });
  const showDetail = (d: CaseDetail) => {
    loader.shown(d.case.id);
    setDetail(d);
  };
  const create = async (req: NewCase) => {
    try {
      // on a site that publishes to the bus the workers cut it; it appears with its media as they land
      const c = await busIpc.createCase(req);
      if (c.outcome === 'local') showDetail(c.detail);
      refresh();
      return true;
    } catch (e) {
      report(e);
      return false;
    }
  };

  return (
    <aside className="cases-panel" aria-label="Cases">
      <div className="cases-side">
        <div className="row">
          <strong>Cases</strong>
          <span className="spacer" />
          <button onClick={() => setCreating({})}>New case</button>
          <button onClick={() => setSettings((s) => !s)} aria-pressed={settings}>Settings</button>
          <button onClick={onClose} aria-label="Close cases">×</button>
        </div>
        <input aria-label="Search cases" placeholder="Search title, notes, equipment, C-…" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value as CaseStatus | '')}>
          <option value="">All</option>
          <option value="open">Open</option>
          <option value="closed">Closed</option>
        </select>
        <ul className="case-list">
          {list.map((c) => (
            <li key={c.id}>
              <button className={detail?.case.id === c.id ? 'active' : ''} onClick={() => open(c.id)} data-case={c.id}>
                <span className="case-label">{c.label}</span> {c.title}
                <small>
                  {utcTime(c.eventMs, false)} · {c.equipmentName} · {c.status}
                </small>
              </button>
            </li>
          ))}
          {list.length === 0 && <li className="muted">No cases.</li>}
        </ul>
      </div>
      <div className="cases-main">
        {settings ? (
          <NearestEditor cameras={cameras} equipment={equipment} onChanged={loadEquipment} report={report} />
        ) : detail ? (
          <CaseDetailView detail={detail} cameras={byId} hub={hub} onChanged={showDetail} onReview={onReview} report={report} />
        ) : (
          <p className="muted">Select a case, or create one from a tile ("New case here").</p>
        )}
      </div>
      {creating && <NewCaseDialog cameras={cameras} equipment={equipment} seed={creating} onSubmit={create} onClose={() => setCreating(null)} />}
    </aside>
  );
}
