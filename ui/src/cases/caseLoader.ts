/**
 * Which case the Cases panel shows, loaded one at a time: the case last
 * asked for is the one "wanted" from the click on, before its detail has
 * arrived; a later request wins over a slower earlier answer (a stale answer
 * is dropped, never shown over a fresher one); and news about the wanted
 * case (a media ready from the bus, a footage job) loads it again even while
 * its first load is still under way. Without this, media that land between
 * the click and the answer were never shown ("No clip yet." for good).
 */
export interface CaseLoader {
  /** Loads case `id` and shows it unless a newer request came first. */
  open(id: string): Promise<void>;
  /** A detail shown directly (a case just created here): it is now the wanted one. */
  shown(id: string): void;
  /** News about case `id`: reloads it when it is the wanted case. */
  changed(id: string): Promise<void>;
  /** The case asked for last (shown or on its way). */
  wanted(): string | null;
}

export function caseLoader<D>(get: (id: string) => Promise<D>, show: (d: D) => void, report: (e: unknown) => void): CaseLoader {
  let wanted: string | null = null;
  let seq = 0;
  const open = (id: string) => {
    wanted = id;
    const n = ++seq;
    return get(id).then(
      (d) => {
        if (n === seq) show(d);
      },
      (e) => {
        if (n === seq) report(e);
      },
    );
  };
  return {
    open,
    shown(id) {
      wanted = id;
      seq += 1;
    },
    changed: (id) => (id === wanted ? open(id) : Promise.resolve()),
    wanted: () => wanted,
  };
}
