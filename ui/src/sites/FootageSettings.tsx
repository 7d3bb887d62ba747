/**
 * A site's footage settings, edited in its row of the Sites panel: the case
 * window (seconds before and after the event), the recorder's clock offset
 * and its recording lag. Values are shown and entered in seconds and stored
 * in ms by the engine, which checks them (the window must contain the event
 * and last at most an hour) and answers with a clear error otherwise.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { casesIpc, type SiteFootage } from '../cases/casesIpc';

interface Props {
  site: string;
  onClose: () => void;
}

type Draft = Record<keyof SiteFootage, string>;

const FIELDS: { key: keyof SiteFootage; label: string; help: string; sign: 1 | -1 }[] = [
  { key: 'startOffsetMs', label: 'Before the event (s)', help: 'footage starts this long before the event', sign: -1 },
  { key: 'endOffsetMs', label: 'After the event (s)', help: 'and ends this long after it', sign: 1 },
  { key: 'clockOffsetMs', label: 'Recorder clock offset (s)', help: "the recorder's clock minus this workstation's", sign: 1 },
  { key: 'recordingLagMs', label: 'Recording lag (s)', help: 'how long after a moment the recorder has it on record', sign: 1 },
];

/** Seconds text for a stored ms value (sign flipped for "before"). */
export function toDraft(f: SiteFootage): Draft {
  const out = {} as Draft;
  for (const { key, sign } of FIELDS) out[key] = String((f[key] * sign) / 1000);
  return out;
}

/** The stored ms values of a draft, or the first field that is not a number. */
export function fromDraft(d: Draft): SiteFootage | { bad: string } {
  const out = {} as SiteFootage;
  for (const { key, label, sign } of FIELDS) {
    const v = Number(d[key].trim().replace(',', '.'));
    if (d[key].trim() === '' || !Number.isFinite(v)) return { bad: label };
    out[key] = Math.round(v * 1000) * sign;
  }
  return out;
}

export function FootageSettings({ site, onClose }: Props) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    let cancelled = false;
    casesIpc.getFootageSettings(site).then(
      (f) => !cancelled && setDraft(toDraft(f)),
      (e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [site]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    const value = fromDraft(draft);
    if ('bad' in value) {
      setError(`${value.bad}: enter a number of seconds`);
      return;
    }
    try {
      await casesIpc.setFootageSettings(site, value);
      setError(null);
      setSaved(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form className="footage-settings" aria-label="Footage settings" data-footage-site={site} onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      {draft === null && !error && <span className="muted">Loading…</span>}
      {draft &&
        FIELDS.map((f) => (
          <label key={f.key} title={f.help}>
            <span>{f.label}</span>
            <input
              name={f.key}
              inputMode="decimal"
              value={draft[f.key]}
              onChange={(e) => {
                setSaved(false);
                setDraft({ ...draft, [f.key]: e.target.value });
              }}
            />
          </label>
        ))}
      {error && (
        <div className="site-error" role="alert">
          {error}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={!draft}>
          Save footage settings
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
        {saved && (
          <span className="muted" role="status">
            Saved
          </span>
        )}
      </div>
    </form>
  );
}
