/**
 * "Add RTSP camera" dialog. The password lives only in this component's state,
 * is never echoed or logged, and is cleared after every submit.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { AddOnvifRequest, AddRtspCameraRequest, Transport } from '../ipc';
import { OnvifForm } from './OnvifForm';
import './addCamera.css';

interface Props {
  onSubmit: (req: AddRtspCameraRequest) => Promise<boolean>;
  onSubmitOnvif: (req: AddOnvifRequest) => Promise<boolean>;
  onClose: () => void;
}

export function AddCameraDialog({ onSubmit, onSubmitOnvif, onClose }: Props) {
  const [kind, setKind] = useState<'rtsp' | 'onvif'>('rtsp');
  const [name, setName] = useState('');
  const [mainUrl, setMainUrl] = useState('');
  const [subUrl, setSubUrl] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [transport, setTransport] = useState<Transport>('tcp');
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const req: AddRtspCameraRequest = {
      name: name.trim(),
      mainUrl: mainUrl.trim(),
      subUrl: subUrl.trim() || null,
      username: username || null,
      password: password || null,
      transport,
    };
    setPassword('');
    setBusy(true);
    const ok = await onSubmit(req);
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="add-camera-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2 id="add-camera-title">Add camera</h2>
        <div className="tabs" role="tablist">
          {(['rtsp', 'onvif'] as const).map((k) => (
            <button key={k} type="button" role="tab" aria-selected={kind === k} className={kind === k ? 'tab on' : 'tab'} onClick={() => setKind(k)}>
              {k === 'rtsp' ? 'RTSP URL' : 'ONVIF device'}
            </button>
          ))}
        </div>
        {kind === 'onvif' ? (
          <OnvifForm onSubmit={onSubmitOnvif} onClose={onClose} />
        ) : (
        <form onSubmit={submit} autoComplete="off">
          <label>
            Name
            <input ref={first} name="name" required value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Main stream URL
            <input name="mainUrl" required placeholder="rtsp://host:554/path" value={mainUrl} onChange={(e) => setMainUrl(e.target.value)} />
          </label>
          <label>
            Sub stream URL <span className="muted">(optional)</span>
            <input name="subUrl" placeholder="rtsp://host:554/sub" value={subUrl} onChange={(e) => setSubUrl(e.target.value)} />
          </label>
          <div className="row">
            <label>
              Username
              <input name="username" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </div>
          <fieldset className="transport">
            <legend>Transport</legend>
            {(['tcp', 'udp'] as const).map((t) => (
              <label key={t} className="inline">
                <input type="radio" name="transport" value={t} checked={transport === t} onChange={() => setTransport(t)} />
                {t.toUpperCase()}
              </label>
            ))}
          </fieldset>
          <div className="actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              Add camera
            </button>
          </div>
        </form>
        )}
      </div>
    </div>
  );
}
