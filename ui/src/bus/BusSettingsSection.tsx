/**
 * Settings section "Case bus": the broker this console subscribes to (URL
 * without password, exchange, tenant of the cases it publishes, on/off) and
 * its password, which is write-only (stored in the OS keyring by the engine;
 * the form only shows whether one is stored).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { toIpcError } from '../ipc';
import { busIpc, type BusSettings } from './busIpc';
import './bus.css';

export function BusSettingsSection() {
  const [s, setS] = useState<BusSettings | null>(null);
  const [hasPassword, setHasPassword] = useState(false);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    busIpc.getSettings().then(
      (v) => {
        setS({ url: v.url, exchange: v.exchange, tenant: v.tenant, enabled: v.enabled });
        setHasPassword(v.hasPassword);
      },
      (e) => setError(toIpcError(e).message),
    );
  }, []);
  const edit = (p: Partial<BusSettings>) => {
    setS((old) => (old ? { ...old, ...p } : old));
    setSaved(false);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!s) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const v = await busIpc.setSettings({ ...s, url: s.url.trim() }, password ? password : null);
      setHasPassword(v.hasPassword);
      setPassword('');
      setSaved(true);
    } catch (err) {
      setError(toIpcError(err).message);
    }
    setBusy(false);
  };
  return (
    <form className="bus-settings" aria-label="Case bus" onSubmit={submit}>
      <h3>Case bus (RabbitMQ)</h3>
      <label className="inline">
        <input type="checkbox" name="busEnabled" checked={s?.enabled ?? false} disabled={!s} onChange={(e) => edit({ enabled: e.target.checked })} /> Hear cases and media from the bus
      </label>
      <label>
        Broker URL (no password)
        <input name="busUrl" aria-label="Broker URL" placeholder="amqp://vigil@broker:5672/" value={s?.url ?? ''} disabled={!s} onChange={(e) => edit({ url: e.target.value })} />
      </label>
      <label>
        Exchange
        <input name="busExchange" aria-label="Exchange" value={s?.exchange ?? ''} disabled={!s} onChange={(e) => edit({ exchange: e.target.value })} />
      </label>
      <label>
        Tenant (routing key of published cases)
        <input name="busTenant" aria-label="Tenant" value={s?.tenant ?? ''} disabled={!s} onChange={(e) => edit({ tenant: e.target.value })} />
      </label>
      <label>
        Broker password {hasPassword ? '(stored in the keyring; type to replace)' : '(none stored)'}
        <input
          name="busPassword"
          aria-label="Broker password"
          type="password"
          autoComplete="off"
          value={password}
          disabled={!s}
          onChange={(e) => {
            setPassword(e.target.value);
            setSaved(false);
          }}
        />
      </label>
      {error && <p className="field-error" role="alert">{error}</p>}
      {saved && <p className="muted" data-bus-saved="true" role="status">Bus settings saved.</p>}
      <div className="dialog-buttons">
        <button type="submit" disabled={busy || !s}>Save bus settings</button>
      </div>
    </form>
  );
}
