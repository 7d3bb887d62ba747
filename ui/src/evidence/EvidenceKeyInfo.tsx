/**
 * This install's evidence signing key in Settings: the algorithm, the
 * fingerprint (grouped for reading aloud) and the public key (PEM) to hand to
 * whoever verifies packages. The private half stays in the OS keyring.
 */
import { useEffect, useState } from 'react';
import { toIpcError } from '../ipc';
import { evidenceIpc, groupFingerprint, type EvidenceKeyInfo as Key } from './evidenceIpc';

export function EvidenceKeyInfo() {
  const [key, setKey] = useState<Key | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  useEffect(() => {
    evidenceIpc.key().then(setKey, (e) => setError(toIpcError(e).message));
  }, []);
  return (
    <section className="evidence-key" aria-label="Evidence signing key">
      <h3>Evidence signing key</h3>
      {error && <p className="field-error" role="alert">{error}</p>}
      {!key && !error && <p className="muted">Loading…</p>}
      {key && (
        <>
          <p>
            Packages exported here are signed with this install's {key.algorithm} key. Fingerprint:{' '}
            <code className="fingerprint" data-fingerprint={key.fingerprint}>{groupFingerprint(key.fingerprint)}</code>
          </p>
          <button type="button" onClick={() => setShown((s) => !s)} aria-expanded={shown}>
            {shown ? 'Hide public key' : 'Show public key'}
          </button>
          {shown && <pre className="public-key" aria-label="Public key (PEM)">{key.publicKeyPem}</pre>}
        </>
      )}
    </section>
  );
}
