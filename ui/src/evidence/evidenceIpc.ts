/**
 * Evidence out of the window: typed wrappers of the engine's commands (this
 * install's signing key, a signed package of a case, a snapshot of the frame
 * at a time) and the `evidence-progress` event of a running export.
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { CasePackageExport, EvidenceKeyInfo, SnapshotFile } from '../bindings/engine';
import { toIpcError } from '../ipc';

export type { CasePackageExport, EvidenceKeyInfo, SnapshotFile };

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export interface ExportProgress {
  job: string;
  fraction: number;
}

export const evidenceIpc = {
  key: () => call<EvidenceKeyInfo>('evidence_key'),
  casePackage: (caseId: string, zip: boolean, job: string) => call<CasePackageExport>('export_case_package', { caseId, zip, job }),
  snapshot: (camera: string, atMs: number, jpeg: boolean, caption: boolean) =>
    call<SnapshotFile>('export_frame_snapshot', { camera, atMs, jpeg, caption }),
  onProgress: (f: (p: ExportProgress) => void): Promise<UnlistenFn> => listen<ExportProgress>('evidence-progress', (e) => f(e.payload)),
};

/** "1.2 MB" style size. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A fingerprint in groups of four for reading aloud ("ab12 cd34 ..."). */
export function groupFingerprint(fp: string): string {
  return (fp.match(/.{1,4}/g) ?? []).join(' ');
}
