/**
 * The second login step's prompt: the server sent the user a PIN (by mail,
 * SMS or an authenticator, Milestone XProtect's two-step login); the
 * operator types it here. On "Verify" the PIN goes to the engine (memory
 * only) and `retry` runs the connect again; a wrong PIN shows its error and
 * the prompt stays for another try. The PIN lives in an uncontrolled input
 * (never React state, never a DOM attribute). Escape or Cancel closes it;
 * focus stays inside while it is open. It is drawn over everything (a
 * portal on the document body), whichever panel or dialog opened it.
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import { createPortal } from 'react-dom';
import { toIpcError, type IpcError } from '../ipc';
import { useDialogKeys } from '../components/useDialogKeys';
import { secondStepIpc, type LoginRef } from './secondStepIpc';

interface Props {
  login: LoginRef;
  /** The site's name or address, for the title. */
  title: string;
  /** Runs the connect again after the PIN was handed over; rejects when it still fails. */
  retry: () => Promise<void>;
  /** The connect passed (the prompt closes). */
  onDone: () => void;
  onClose: () => void;
}

/** What the prompt says when the retry still fails: a short line, and the engine's message as the detail. */
export function pinErrorText(err: IpcError, stillWaiting: boolean): { text: string; detail: string | null } {
  if (stillWaiting) return { text: 'The PIN was not accepted: it is wrong or has expired. Check it and try again.', detail: err.message };
  return { text: err.message, detail: null };
}

export function PinDialog({ login, title, retry, onDone, onClose }: Props) {
  const pin = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; detail: string | null } | null>(null);
  const [expired, setExpired] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const inputId = useId();
  useDialogKeys(ref, () => !busy && onClose());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const typed = pin.current?.value ?? '';
    if (!typed.trim()) {
      setError({ text: 'Type the PIN the server sent.', detail: null });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await secondStepIpc.submitPin(login, typed);
      if (pin.current) pin.current.value = '';
      await retry();
      onDone();
    } catch (e) {
      const err = toIpcError(e);
      const again = await secondStepIpc.waiting(login).catch(() => false);
      setExpired(!again);
      setError(pinErrorText(err, again));
      pin.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return createPortal(
    <div className="modal-backdrop pin-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className="modal pin-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref} data-pin-dialog>
        <h2 id={titleId}>Second login step: {title}</h2>
        <form onSubmit={submit} autoComplete="off" noValidate>
          <div className="muted">
            The server requires a second login step and has sent a PIN to the user {login.user}. Type it here.
          </div>
          <label htmlFor={inputId}>PIN</label>
          <input
            id={inputId}
            ref={pin}
            name="pin"
            type="password"
            inputMode="numeric"
            autoComplete="one-time-code"
            autoFocus
            maxLength={64}
            defaultValue=""
            aria-invalid={error ? true : undefined}
          />
          {error && (
            <div className="site-error" role="alert" data-pin-error={expired ? 'expired' : 'wrong'}>
              <span data-pin-error-text>{error.text}</span>
              {error.detail && <div className="muted pin-error-detail">{error.detail}</div>}
            </div>
          )}
          <div className="dialog-buttons">
            {busy && <span className="muted">Verifying…</span>}
            <button type="button" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              Verify
            </button>
          </div>
        </form>
      </div>
    </div>,
    document.body,
  );
}
