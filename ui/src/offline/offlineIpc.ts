/**
 * Offline investigation: typed wrappers over the engine's offline commands
 * (open files and folders as an offline site, a file's start given by the
 * operator, the recent list, the paths given on the app's command line).
 * Types are generated from the Rust types (src/bindings/engine.ts).
 */
import { invoke } from '@tauri-apps/api/core';
import { toIpcError } from '../ipc';
import type { OfflineOpen, OperatorStart, RecentOpen } from '../bindings/engine';

export type { OfflineCamera, OfflineFile, OfflineOpen, OperatorStart, PackageBanner, PackageState, RecentOpen } from '../bindings/engine';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const offlineIpc = {
  /** Opens files and folders as one offline site (the same paths reuse their site). */
  open: (paths: string[], timeZone?: string | null) => call<OfflineOpen>('open_offline', { paths, timeZone: timeZone ?? null }),
  /** The operator's start of a file: civil `YYYY-MM-DDTHH:MM:SS` in IANA `zone`. */
  setFileStart: (path: string, civil: string, zone: string) => call<OperatorStart>('set_offline_file_start', { path, civil, zone }),
  /** Recently opened paths, newest first. */
  recent: () => call<RecentOpen[]>('offline_recent'),
  /** Paths given on the command line (`vigil-app PATH...`), handed out once. */
  startupPaths: () => call<string[]>('startup_paths'),
  /** The native file chooser: files (many) or one folder; empty when cancelled. */
  choose: (kind: 'files' | 'folder') => call<string[]>('choose_open_paths', { kind }),
};
