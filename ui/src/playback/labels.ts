/** Display labels of playback tile states. */

const LABELS: Record<string, string> = {
  empty: '',
  connecting: 'Connecting',
  playing: 'Playing',
  paused: 'Paused',
  no_recording: 'No recording',
  gap_skipped: 'Gap skipped',
  ended: 'End of recordings',
  reconnecting: 'Reconnecting',
  auth_failed: 'Auth failed',
  error: 'Error',
};

export function playbackStatusLabel(state: string, reason: string | null): string {
  const label = LABELS[state] ?? state;
  return reason ? `${label}: ${reason}` : label;
}
