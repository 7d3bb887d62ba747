/**
 * Sites: the types of the engine's site commands (one file, to be replaced by
 * the types generated from Rust into src/bindings/) and typed wrappers over
 * the commands. Errors reject with `IpcError` (`certificate` is set when the
 * kind is 'untrusted').
 */
import { invoke } from '@tauri-apps/api/core';
import { toIpcError, type Camera } from '../ipc';

/** 'demo' | 'rtsp' | 'onvif' | 'mediamtx' | 'folder' | later vendor kinds. */
export type SiteKind = string;

export type FieldInput = 'text' | 'password' | 'url' | 'number' | 'select' | 'checkbox' | 'path' | 'time_zone' | 'tls_pin';

/** One field of a kind's add dialog. Standard keys: name, address, user, password, tls_pin, time_zone; others are kind options. */
export interface FieldSpec {
  key: string;
  label: string;
  input: FieldInput;
  required: boolean;
  placeholder?: string | null;
  help?: string | null;
  default?: string | null;
  choices?: string[];
  secret: boolean;
}

export interface KindSpec {
  kind: SiteKind;
  label: string;
  description: string;
  addable: boolean;
  fields: FieldSpec[];
}

export interface SiteRequest {
  kind: SiteKind;
  name?: string | null;
  address: string;
  user?: string | null;
  password?: string | null;
  tls_pin?: string | null;
  time_zone?: string | null;
  options: Record<string, string>;
}

export interface SiteInfo {
  id: string;
  kind: SiteKind;
  name: string;
  address: string;
  time_zone: string;
  user?: string | null;
  tls_pin?: string | null;
  options: Record<string, string>;
  created_ms: number;
}

export type SiteStateName = 'online' | 'connecting' | 'auth_failed' | 'unreachable' | 'untrusted' | 'error';

export interface SiteHealth {
  state: SiteStateName;
  message?: string | null;
  last_seen_ms?: number | null;
  checked_ms?: number | null;
}

export interface SiteStatus {
  site: SiteInfo;
  health: SiteHealth;
  camera_count: number;
}

export interface PtzCaps {
  continuous: boolean;
  step: boolean;
  presets: boolean;
  home: boolean;
}

export interface Capabilities {
  live: boolean;
  playback: boolean;
  reverse: boolean;
  speeds: number[];
  export: boolean;
  snapshot_by_time: boolean;
  ptz: PtzCaps;
}

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
