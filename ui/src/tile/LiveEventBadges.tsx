/**
 * The compact badges of a live tile's events ("Motion", "Recording", "Live
 * feed lost") as the VMS reports them; nothing when it reports none.
 * `data-events` lists the shown keys for tests.
 */
import { eventBadges, type LiveEventFlags } from './liveEvents';

export function LiveEventBadges({ events }: { events?: LiveEventFlags | null }) {
  const badges = eventBadges(events);
  if (badges.length === 0) return null;
  return (
    <span className="tile-events" data-events={badges.map((b) => b.key).join(' ')}>
      {badges.map((b) => (
        <span key={b.key} className={`tile-event ev-${b.key}`}>
          {b.label}
        </span>
      ))}
    </span>
  );
}
