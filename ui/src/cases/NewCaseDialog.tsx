/**
 * New case: equipment (a camera or an asset), event time (UTC, prefilled
 * with the frame a tile showed, or now), title, notes.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useDialogKeys } from '../components/useDialogKeys';
import type { Camera } from '../ipc';
import type { Equipment, NewCase } from './casesIpc';
import { fromLocalInput, toLocalInput } from './caseFormat';

export interface NewCaseSeed { equipmentId?: string; eventMs?: number }

interface Props {
  cameras: Camera[];
  equipment: Equipment[];
  seed: NewCaseSeed;
  onSubmit: (req: NewCase) => Promise<boolean>;
  onClose: () => void;
}

export function NewCaseDialog({ cameras, equipment, seed, onSubmit, onClose }: Props) {
  const [equipmentId, setEquipmentId] = useState(seed.equipmentId ?? cameras[0]?.id ?? equipment[0]?.id ?? '');
  const [at, setAt] = useState(toLocalInput(seed.eventMs ?? Date.now()));
  const [ms, setMs] = useState(seed.eventMs !== undefined ? seed.eventMs % 1000 : 0);
  const [title, setTitle] = useState('');
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useDialogKeys(ref, onClose);
  const base = fromLocalInput(at);
  const eventMs = base === null ? null : base + ms;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (eventMs === null || !title.trim() || !equipmentId) return;
    setBusy(true);
    const ok = await onSubmit({ title: title.trim(), eventMs, equipmentId, extraCameras: [], notes });
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <div className="modal-backdrop">
      <div className="modal new-case-dialog" role="dialog" aria-modal="true" aria-label="New case" ref={ref}>
      <form onSubmit={submit}>
        <h2>New case</h2>
        <label>
          Equipment
          <select value={equipmentId} onChange={(e) => setEquipmentId(e.target.value)} aria-label="Equipment">
            <optgroup label="Cameras">
              {cameras.map((c) => (
                <option key={c.id} value={c.id}>{c.name}</option>
              ))}
            </optgroup>
            {equipment.length > 0 && (
              <optgroup label="Assets">
                {equipment.map((q) => (
                  <option key={q.id} value={q.id}>{q.name} ({q.kind}{q.tag ? `, ${q.tag}` : ''})</option>
                ))}
              </optgroup>
            )}
          </select>
        </label>
        <label>
          Event time (UTC)
          <input type="datetime-local" step={1} value={at} onChange={(e) => { setAt(e.target.value); setMs(0); }} aria-label="Event time" />
        </label>
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} aria-label="Title" autoFocus maxLength={200} />
        </label>
        <label>
          Notes
          <textarea value={notes} onChange={(e) => setNotes(e.target.value)} aria-label="Notes" rows={3} />
        </label>
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" disabled={busy || !title.trim() || eventMs === null || !equipmentId}>Create case</button>
        </div>
      </form>
      </div>
    </div>
  );
}
