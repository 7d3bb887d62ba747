/** Display helpers for tiles: local HH:MM:SS clock and status labels. */

const pad = (n: number) => String(n).padStart(2, '0');

/** Frame timestamp (UTC ms) in this machine's local time, HH:MM:SS. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const LABELS: Record<string, string> = {
  empty: '',
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  auth_failed: 'Auth failed',
  pin_required: 'PIN required',
  stopped: 'Stopped',
  error: 'Error',
};

export function statusLabel(state: string, reason: string | null): string {
  const label = LABELS[state] ?? state;
  return reason ? `${label}: ${reason}` : label;
}
