/**
 * A tile whose site's login waits for a second-step PIN (hub state
 * `pin_required`): says so with the site's name and offers "Enter PIN",
 * which opens the Sites panel's PinDialog for that site's login. The
 * dialog's retry refreshes the site; once it is online the engine wakes
 * the tile's stream, so the tile goes live by itself. A wrong PIN shows
 * the dialog's error and the tile keeps waiting.
 */
import { useState, type SyntheticEvent } from 'react';
import { toIpcError } from '../ipc';
import { PinDialog } from '../sites/PinDialog';
import { sitesIpc } from '../sites/sitesIpc';
import { pinRequiredText, tilePinLogin, type TilePinLogin } from './pinPrompt';

interface Props {
  /** The camera's site id and name. */
  siteId: string;
  siteName: string | undefined;
}

/** Keeps the prompt's and the dialog's events from the tile (select, maximize, drop). */
const stop = (e: SyntheticEvent) => e.stopPropagation();

export function TilePinPrompt({ siteId, siteName }: Props) {
  const [open, setOpen] = useState<TilePinLogin | null>(null);
  const [error, setError] = useState<string | null>(null);

  const enter = async () => {
    setError(null);
    try {
      const found = tilePinLogin(await sitesIpc.listSites(), siteId);
      if (found) setOpen(found);
      else setError('The site is no longer configured.');
    } catch (e) {
      setError(toIpcError(e).message);
    }
  };

  return (
    <div className="tile-pin" data-pin-required={siteId} onClick={stop} onDoubleClick={stop} onKeyDown={stop}>
      <strong className="tile-pin-title">PIN required</strong>
      <span className="tile-pin-text">{pinRequiredText(siteName)}</span>
      <button type="button" className="primary" data-tile-enter-pin onClick={enter}>
        Enter PIN
      </button>
      {error && (
        <span className="tile-pin-error" role="alert">
          {error}
        </span>
      )}
      {open && (
        <PinDialog
          login={open.login}
          title={open.name}
          retry={async () => {
            const st = await sitesIpc.refreshSite(siteId);
            if (st.health.state !== 'online') throw { kind: st.health.state, message: st.health.message ?? st.health.state };
          }}
          onDone={() => setOpen(null)}
          onClose={() => setOpen(null)}
        />
      )}
    </div>
  );
}
