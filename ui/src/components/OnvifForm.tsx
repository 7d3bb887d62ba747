/**
 * The ONVIF tab of the add-camera dialog: device address, user name and
 * password (kept only in this component's state, cleared after submit). The
 * engine probes the device and adds one camera per video source.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { AddOnvifRequest } from '../ipc';

interface Props {
  onSubmit: (req: AddOnvifRequest) => Promise<boolean>;
  onClose: () => void;
}

export function OnvifForm({ onSubmit, onClose }: Props) {
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const req: AddOnvifRequest = {
      name: name.trim() || null,
      address: address.trim(),
      username: username || null,
      password: password || null,
    };
    setPassword('');
    setBusy(true);
    const ok = await onSubmit(req);
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <form onSubmit={submit} autoComplete="off" data-form="onvif">
      <label>
        Device address
        <input ref={first} name="address" required placeholder="192.168.1.64:80" value={address} onChange={(e) => setAddress(e.target.value)} />
      </label>
      <label>
        Name <span className="muted">(optional: the device's model)</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
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
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Connecting…' : 'Add ONVIF device'}
        </button>
      </div>
    </form>
  );
}
