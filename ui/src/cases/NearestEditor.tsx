/**
 * Settings: assets (doors, sensors...) and each equipment's nearest
 * cameras, an ordered list the footage worker uses for every new case.
 */
import { useEffect, useState } from 'react';
import type { Camera } from '../ipc';
import { casesIpc, type Equipment } from './casesIpc';

interface Props {
  cameras: Camera[];
  equipment: Equipment[];
  onChanged: () => void;
  report: (e: unknown) => void;
}

export function NearestEditor({ cameras, equipment, onChanged, report }: Props) {
  const [target, setTarget] = useState(cameras[0]?.id ?? '');
  const [list, setList] = useState<string[]>([]);
  const [add, setAdd] = useState('');
  const [asset, setAsset] = useState<Equipment>({ id: '', name: '', kind: 'door', tag: '' });

  useEffect(() => {
    if (!target) return;
    let live = true;
    casesIpc.getNearest(target).then((l) => live && setList(l), report);
    return () => {
      live = false;
    };
  }, [target, report]);

  const save = (next: string[]) => casesIpc.setNearest(target, next).then(setList, report);
  const name = (id: string) => cameras.find((c) => c.id === id)?.name ?? id;
  const move = (i: number, d: number) => {
    const next = list.slice();
    const [x] = next.splice(i, 1);
    next.splice(Math.max(0, Math.min(next.length, i + d)), 0, x);
    save(next);
  };
  return (
    <section className="nearest-editor">
      <h3>Nearest cameras</h3>
      <select aria-label="Equipment to edit" value={target} onChange={(e) => setTarget(e.target.value)}>
        <optgroup label="Cameras">
          {cameras.map((c) => (
            <option key={c.id} value={c.id}>{c.name}</option>
          ))}
        </optgroup>
        <optgroup label="Assets">
          {equipment.map((q) => (
            <option key={q.id} value={q.id}>{q.name}</option>
          ))}
        </optgroup>
      </select>
      <ol>
        {list.map((id, i) => (
          <li key={id}>
            {name(id)}
            <button onClick={() => move(i, -1)} aria-label={`Move ${name(id)} up`}>↑</button>
            <button onClick={() => move(i, 1)} aria-label={`Move ${name(id)} down`}>↓</button>
            <button onClick={() => save(list.filter((x) => x !== id))} aria-label={`Remove ${name(id)}`}>×</button>
          </li>
        ))}
      </ol>
      <div className="row">
        <select aria-label="Camera to add" value={add} onChange={(e) => setAdd(e.target.value)}>
          <option value="">Add a camera…</option>
          {cameras.filter((c) => c.id !== target && !list.includes(c.id)).map((c) => (
            <option key={c.id} value={c.id}>{c.name}</option>
          ))}
        </select>
        <button disabled={!add} onClick={() => { save([...list, add]); setAdd(''); }}>Add</button>
      </div>
      <h3>Assets</h3>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          casesIpc.saveEquipment(asset).then(() => {
            setAsset({ id: '', name: '', kind: asset.kind, tag: '' });
            onChanged();
          }, report);
        }}
      >
        <input placeholder="id" aria-label="Asset id" value={asset.id} onChange={(e) => setAsset({ ...asset, id: e.target.value })} />
        <input placeholder="name" aria-label="Asset name" value={asset.name} onChange={(e) => setAsset({ ...asset, name: e.target.value })} />
        <input placeholder="kind" aria-label="Asset kind" value={asset.kind} onChange={(e) => setAsset({ ...asset, kind: e.target.value })} />
        <input placeholder="tag" aria-label="Asset tag" value={asset.tag} onChange={(e) => setAsset({ ...asset, tag: e.target.value })} />
        <button type="submit" disabled={!asset.id || !asset.name}>Save asset</button>
      </form>
    </section>
  );
}
