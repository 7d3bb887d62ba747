import { describe, expect, it } from 'vitest';
import { eventBadges, parseEvents } from './liveEvents';

describe('live events', () => {
  it('parses the hub status events and refuses malformed ones', () => {
    expect(parseEvents({ motion: true, recording: false, connection_lost: false, at_ms: 1 })).toEqual({ motion: true, recording: false, connectionLost: false });
    expect(parseEvents(null)).toBeNull();
    expect(parseEvents({ motion: 'yes', recording: false, connection_lost: false })).toBeNull();
    expect(parseEvents([true])).toBeNull();
  });
  it('shows motion and recording; a lost feed alone', () => {
    expect(eventBadges(null)).toEqual([]);
    expect(eventBadges({ motion: true, recording: true, connectionLost: false }).map((b) => b.label)).toEqual(['Motion', 'Recording']);
    expect(eventBadges({ motion: false, recording: true, connectionLost: false }).map((b) => b.key)).toEqual(['recording']);
    expect(eventBadges({ motion: true, recording: true, connectionLost: true }).map((b) => b.label)).toEqual(['Live feed lost']);
  });
});
