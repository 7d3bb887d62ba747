/**
 * Sites: typed wrappers over the engine's site commands; their types are
 * generated from the Rust types (src/bindings/engine.ts). Errors reject
 * with `IpcError` (`certificate` is set when the kind is 'untrusted').
 */
import { invoke } from '@tauri-apps/api/core';
import { toIpcError, type Camera } from '../ipc';

import type { KindSpec, SiteInfo, SiteRequest, SiteState, SiteStatus } from '../bindings/engine';

/** The boundary types, generated from the engine's Rust types (ts-rs). */
export type {
  Capabilities,
  FieldInput,
  FieldSpec,
  KindSpec,
  PtzCaps,
  SiteHealth,
  SiteInfo,
  SiteRequest,
  SiteStatus,
} from '../bindings/engine';

/** 'demo' | 'rtsp' | 'onvif' | 'mediamtx' | 'folder' | later vendor kinds. */
export type SiteKind = string;

export type SiteStateName = SiteState;

/** What probing or adding a site found (cameras as the UI lists them). */
export interface SiteProbe {
  site: SiteInfo;
  cameras: Camera[];
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const sitesIpc = {
  siteKinds: () => call<KindSpec[]>('site_kinds'),
  listSites: () => call<SiteStatus[]>('list_sites'),
  /** Connect, log in and list cameras; nothing is stored. */
  probeSite: (request: SiteRequest) => call<SiteProbe>('probe_site', { request }),
  addSite: (request: SiteRequest) => call<SiteProbe>('add_site', { request }),
  /** An empty or absent password keeps the stored one. */
  updateSite: (id: string, request: SiteRequest) => call<SiteProbe>('update_site', { id, request }),
  removeSite: (id: string) => call<null>('remove_site', { id }),
  refreshSite: (id: string) => call<SiteStatus>('refresh_site', { id }),
};
