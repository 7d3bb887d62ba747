/**
 * A VMS login's second step (Milestone XProtect: the server sends the user a
 * PIN): whether a login waits for its PIN, and handing the typed PIN to the
 * engine (memory only; the engine's next login of the site sends it).
 */
import { invoke } from '@tauri-apps/api/core';
import { toIpcError } from '../ipc';

/** Which login: the site's kind, its address as entered and its user. */
export interface LoginRef {
  kind: string;
  address: string;
  user: string;
}

async function call<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const secondStepIpc = {
  /** True when the engine holds a login of this server and user waiting for its PIN. */
  waiting: (l: LoginRef) => call<boolean>('second_step_waiting', { kind: l.kind, address: l.address, user: l.user }),
  /** Hands the PIN over (the caller then retries its connect). */
  submitPin: (l: LoginRef, pin: string) => call<null>('submit_second_step_pin', { kind: l.kind, address: l.address, user: l.user, pin }),
};

/** Whether an error may be a login waiting for its PIN (asked of the engine only then). */
export function mayWaitForPin(kind: string, errorKind: string): boolean {
  return kind === 'milestone' && errorKind === 'auth_failed';
}
