/**
 * Sites panel (a side sheet over the grid): every site with its state
 * (online, connecting, auth failed, unreachable with the reason, untrusted),
 * last seen in the site's time zone, camera count, and Refresh / Edit /
 * Remove (Remove asks first; built-in sites, which the engine does not let
 * anyone edit or remove, offer Refresh only), and Footage (the site's case
 * window, clock offset and recording lag, for every site). A site whose
 * login waits for a second-step PIN (the server sent the user one) offers
 * "Enter PIN": the PIN prompt, then the site is connected again. The list
 * comes from the app, which polls it.
 */
import { useEffect, useState } from 'react';
import { sitesIpc, type KindSpec, type SiteInfo, type SiteStatus } from './sitesIpc';
import { isBuiltIn, lastSeen, stateLine } from './siteTree';
import { FootageSettings } from './FootageSettings';
import { SitePublishSwitch } from '../bus/SitePublishSwitch';
import { PinDialog } from './PinDialog';
import { mayWaitForPin, secondStepIpc } from './secondStepIpc';
import './sites.css';

interface Props {
  sites: SiteStatus[];
  onAdd: () => void;
  onEdit: (site: SiteInfo) => void;
  onRemove: (id: string) => Promise<void>;
  onRefresh: (id: string) => Promise<void>;
  onClose: () => void;
}

function SiteRow({ s, builtIn, onEdit, onRemove, onRefresh }: { s: SiteStatus; builtIn: boolean } & Pick<Props, 'onEdit' | 'onRemove' | 'onRefresh'>) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'refresh' | 'remove' | null>(null);
  const [footage, setFootage] = useState(false);
  const { site, health } = s;
  const login = { kind: site.kind, address: site.address, user: site.user ?? '' };
  // whether the site's login waits for a PIN (asked again whenever the state or its message changes)
  const [pinWaiting, setPinWaiting] = useState(false);
  const [pinOpen, setPinOpen] = useState(false);
  const maybePin = mayWaitForPin(site.kind, health.state);
  useEffect(() => {
    if (!maybePin) {
      setPinWaiting(false);
      return;
    }
    let cancelled = false;
    secondStepIpc.waiting({ kind: site.kind, address: site.address, user: site.user ?? '' }).then(
      (w) => !cancelled && setPinWaiting(w),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [maybePin, site.kind, site.address, site.user, health.message, health.checked_ms]);
  const act = async (what: 'refresh' | 'remove', fn: () => Promise<void>) => {
    setBusy(what);
    try {
      await fn();
    } finally {
      setBusy(null);
    }
  };
  const n = s.camera_count;
  return (
    <li className="site-row" data-site-id={site.id} data-state={health.state} data-built-in={builtIn || undefined}>
      <div className="site-row-head">
        <span className={`site-dot s-${health.state}`} aria-hidden="true" />
        <span className="site-row-name" title={site.name}>
          {site.name}
        </span>
        <span className="site-row-kind">{site.kind}</span>
      </div>
      <div className="site-row-address">{site.address}</div>
      <div className={`site-state s-${health.state}`} data-site-state={health.state}>
        {stateLine(s)}
      </div>
      <div className="site-row-meta">
        <span data-camera-count={n}>
          {n} camera{n === 1 ? '' : 's'}
        </span>
        <span title="In the site's time zone">Last seen {lastSeen(s)}</span>
        {site.tls_pin && <span title={site.tls_pin}>TLS pinned</span>}
      </div>
      {confirming ? (
        <div className="site-confirm" role="group" aria-label={`Remove ${site.name}?`}>
          <span>
            Remove {site.name} and its {n} camera{n === 1 ? '' : 's'} from Vigil? Layouts lose them too.
          </span>
          <button type="button" className="danger" disabled={busy !== null} onClick={() => act('remove', () => onRemove(site.id))}>
            Remove
          </button>
          <button type="button" autoFocus onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <div className="actions">
          <button type="button" disabled={busy !== null} onClick={() => act('refresh', () => onRefresh(site.id))}>
            Refresh
          </button>
          {builtIn ? (
            <span className="muted" title="Part of Vigil: it cannot be edited or removed">
              Built in
            </span>
          ) : (
            <>
              <button type="button" onClick={() => onEdit(site)}>
                Edit
              </button>
              <button type="button" onClick={() => setConfirming(true)}>
                Remove
              </button>
            </>
          )}
          <button type="button" aria-expanded={footage} onClick={() => setFootage(!footage)}>
            Footage
          </button>
          {pinWaiting && (
            <button type="button" className="primary" data-enter-pin onClick={() => setPinOpen(true)}>
              Enter PIN
            </button>
          )}
          {busy === 'refresh' && <span className="muted">Checking…</span>}
        </div>
      )}
      {footage && <FootageSettings site={site.id} onClose={() => setFootage(false)} />}
      {footage && <SitePublishSwitch site={site.id} />}
      {pinOpen && (
        <PinDialog
          login={login}
          title={site.name}
          retry={async () => {
            const st = await sitesIpc.refreshSite(site.id);
            if (st.health.state !== 'online') throw { kind: st.health.state, message: st.health.message ?? st.health.state };
            await onRefresh(site.id);
          }}
          onDone={() => {
            setPinOpen(false);
            setPinWaiting(false);
          }}
          onClose={() => setPinOpen(false)}
        />
      )}
    </li>
  );
}

export function SitesPanel({ sites, onAdd, onEdit, onRemove, onRefresh, onClose }: Props) {
  // which kinds are built in (unknown until the engine answers: every site keeps its buttons)
  const [kinds, setKinds] = useState<KindSpec[] | null>(null);
  useEffect(() => {
    let cancelled = false;
    sitesIpc.siteKinds().then(
      (k) => !cancelled && setKinds(k),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, []);
  return (
    <aside className="sites-panel" aria-label="Sites" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="sites-head">
        <strong>Sites</strong>
        <button type="button" className="primary" onClick={onAdd}>
          Add site
        </button>
        <button type="button" aria-label="Close sites" title="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <ul className="site-list">
        {sites.map((s) => (
          <SiteRow key={s.site.id} s={s} builtIn={isBuiltIn(s.site.kind, kinds)} onEdit={onEdit} onRemove={onRemove} onRefresh={onRefresh} />
        ))}
      </ul>
      {sites.length === 0 && <div className="sites-empty muted">No sites yet. "Add site" connects a camera, a recorder or a VMS.</div>}
    </aside>
  );
}
