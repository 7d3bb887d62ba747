/**
 * The console on the case bus (RabbitMQ): its broker settings (the password
 * is write-only: it goes to the OS keyring, the engine only says whether one
 * is stored), the per-site "publish cases to the bus" switch, creating a case
 * that goes to the bus on such sites, and the `bus-event` event (every case
 * created and every media ready, pushed by the app's subscription).
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { toIpcError } from '../ipc';
import type { CaseDetail, NewCase } from '../cases/casesIpc';

export interface BusSettings { url: string; exchange: string; tenant: string; enabled: boolean }
export interface BusSettingsView extends BusSettings { hasPassword: boolean }
/** A case-created message in the old CMS's shape. */
export interface BusCase { Id: string; Timestamp: string; EquipmentTag: string; DeviceData: string; CaseNo: string }
export interface ReadyFile { cameraId: string; kind: string; fileName: string; pointerUrl: string; sha256: string }
export interface MediaReady { id: string; caseNo: string; caseId: string; label: string; eventMs: number; files: ReadyFile[]; failed: string[] }
export type BusEvent =
  | { event: 'connected' }
  | { event: 'disconnected'; error: string }
  | { event: 'case_created'; routing_key: string; case: BusCase }
  | { event: 'media_ready'; routing_key: string; ready: MediaReady }
  | { event: 'unreadable'; routing_key: string; reason: string };
export type CreatedCase =
  | { outcome: 'local'; detail: CaseDetail }
  | { outcome: 'published'; busId: string; routingKey: string; message: BusCase };

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const busIpc = {
  getSettings: () => call<BusSettingsView>('get_bus_settings'),
  /** `password`: a new one (stored in the keyring), '' removes it, null keeps it. */
  setSettings: (settings: BusSettings, password: string | null) => call<BusSettingsView>('set_bus_settings', { request: { settings, password } }),
  getSitePublish: (site: string) => call<boolean>('get_site_bus_publish', { site }),
  setSitePublish: (site: string, on: boolean) => call<null>('set_site_bus_publish', { site, on }),
  createCase: (request: NewCase) => call<CreatedCase>('create_console_case', { request }),
};

export function onBusEvent(cb: (e: BusEvent) => void): Promise<UnlistenFn> {
  return listen<BusEvent>('bus-event', (e) => cb(e.payload));
}
