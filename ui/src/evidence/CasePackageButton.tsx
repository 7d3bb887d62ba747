/**
 * "Export package" on a case: writes a signed incident package (zip or
 * folder) of the case's record, clips and snapshots under the media root's
 * `exports/`, with progress, then says where it is, what it holds, which key
 * signed it and how many media were not ready (left out).
 */
import { useEffect, useRef, useState } from 'react';
import { evidenceIpc, formatBytes, groupFingerprint, type CasePackageExport } from './evidenceIpc';

export function CasePackageButton({ caseId, report }: { caseId: string; report: (e: unknown) => void }) {
  const [zip, setZip] = useState(true);
  const [busy, setBusy] = useState(false);
  const [fraction, setFraction] = useState(0);
  const [made, setMade] = useState<CasePackageExport | null>(null);
  const job = useRef('');
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let gone = false;
    evidenceIpc
      .onProgress((p) => {
        if (p.job === job.current) setFraction(p.fraction);
      })
      .then((u) => (gone ? u() : (unlisten = u)), () => undefined);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);
  useEffect(() => setMade(null), [caseId]);
  const run = async () => {
    job.current = `package-${caseId}-${Date.now()}`;
    setBusy(true);
    setFraction(0);
    setMade(null);
    try {
      setMade(await evidenceIpc.casePackage(caseId, zip, job.current));
    } catch (e) {
      report(e);
    }
    setBusy(false);
  };
  return (
    <div className="case-package" data-package-busy={busy}>
      <label className="inline">
        <input type="checkbox" checked={zip} onChange={(e) => setZip(e.target.checked)} disabled={busy} /> zip
      </label>
      <button onClick={run} disabled={busy} title="A signed incident package of this case: its record, clips and snapshots">
        Export package
      </button>
      {busy && <progress value={fraction} max={1} aria-label="Package progress" />}
      {made && (
        <p className="case-package-done" role="status" data-package-path={made.path}>
          Package written: <code>{made.path}</code> ({made.files} files, {formatBytes(made.bytes)}), signed by key{' '}
          <code className="fingerprint">{groupFingerprint(made.fingerprint)}</code>
          {made.notReady > 0 && <span className="muted"> · {made.notReady} media not ready yet, left out</span>}. Check it with{' '}
          <code>vigil package verify</code> or <code>sha256sum -c SHA256SUMS</code>.
        </p>
      )}
    </div>
  );
}
