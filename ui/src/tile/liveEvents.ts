/**
 * A live tile's events as its VMS reports them with the video (the hub's
 * `status` message `events`: Milestone's motion, recording and camera
 * connection lost flags): parsed from the message and turned into the
 * compact badges the tile shows.
 */

/** The flags of the hub's `events` (docs/hub-protocol.md). */
export interface LiveEventFlags {
  motion: boolean;
  recording: boolean;
  connectionLost: boolean;
}

/** The `events` object of a status message, or null when absent or malformed. */
export function parseEvents(v: unknown): LiveEventFlags | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.motion !== 'boolean' || typeof o.recording !== 'boolean' || typeof o.connection_lost !== 'boolean') return null;
  return { motion: o.motion, recording: o.recording, connectionLost: o.connection_lost };
}

export interface EventBadge {
  key: 'lost' | 'motion' | 'recording';
  label: string;
}

/** The badges to show, most urgent first: a lost feed hides the others (the VMS reports none meanwhile). */
export function eventBadges(e: LiveEventFlags | null | undefined): EventBadge[] {
  if (!e) return [];
  if (e.connectionLost) return [{ key: 'lost', label: 'Live feed lost' }];
  const out: EventBadge[] = [];
  if (e.motion) out.push({ key: 'motion', label: 'Motion' });
  if (e.recording) out.push({ key: 'recording', label: 'Recording' });
  return out;
}
