/**
 * The compact badges of a live tile's frame timing ("arrival time", "clock
 * +90 s") with the reason in the tooltip; nothing when frames carry the
 * camera's capture time and its clock is close. `data-timing` lists the shown
 * keys for tests; small tiles show the short labels ("arrival", "+90 s").
 */
import { timingBadges, type FrameTiming } from './frameTiming';

export function TimingBadges({ timing }: { timing?: FrameTiming | null }) {
  const badges = timingBadges(timing);
  if (badges.length === 0) return null;
  return (
    <span className="tile-events tile-timing" data-timing={badges.map((b) => b.key).join(' ')}>
      {badges.map((b) => (
        <span key={b.key} className={`tile-event ev-${b.key}`} title={b.title} aria-label={b.label}>
          <span className="tile-event-long">{b.label}</span>
          <span className="tile-event-short">{b.short}</span>
        </span>
      ))}
    </span>
  );
}
