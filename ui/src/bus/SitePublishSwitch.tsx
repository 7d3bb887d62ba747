/**
 * A site's switch "publish cases to the bus": when on, a case created in this
 * console on the site's equipment is published for the bus workers instead
 * of cut locally.
 */
import { useEffect, useState } from 'react';
import { toIpcError } from '../ipc';
import { busIpc } from './busIpc';
import './bus.css';

export function SitePublishSwitch({ site }: { site: string }) {
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    busIpc.getSitePublish(site).then(
      (v) => !cancelled && setOn(v),
      (e) => !cancelled && setError(toIpcError(e).message),
    );
    return () => {
      cancelled = true;
    };
  }, [site]);
  const change = async (v: boolean) => {
    setError(null);
    try {
      await busIpc.setSitePublish(site, v);
      setOn(v);
    } catch (e) {
      setError(toIpcError(e).message);
    }
  };
  return (
    <div className="site-bus-publish" data-bus-site={site}>
      <label>
        <input type="checkbox" aria-label="Publish cases to the bus" checked={on ?? false} disabled={on === null} onChange={(e) => void change(e.target.checked)} /> Publish cases to the bus (workers cut the footage)
      </label>
      {error && (
        <span className="site-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
