/**
 * "Add site" dialog (and "Edit site" when given a stored site): pick a kind,
 * fill the form the kind's fields describe, "Test connection" (probe: the
 * cameras found, nothing stored), then "Add" (or "Save"). An untrusted TLS
 * certificate shows its fingerprint and is pinned only when the operator
 * presses "Trust this certificate" (the last action is then retried with the
 * pin). A server that asks for a second login step (a PIN it sent the user)
 * gets the PIN prompt; the action is retried once the PIN is handed over.
 * Secrets live in uncontrolled inputs (never in React state, never in a
 * DOM attribute) and go only into the request.
 */
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { IpcError } from '../ipc';
import { toIpcError } from '../ipc';
import { useDialogKeys } from '../components/useDialogKeys';
import { sitesIpc, type FieldSpec, type KindSpec, type SiteInfo, type SiteProbe, type SiteRequest } from './sitesIpc';
import { PinDialog } from './PinDialog';
import { mayWaitForPin, secondStepIpc, type LoginRef } from './secondStepIpc';
import {
  addableKinds,
  controlFor,
  errorField,
  optionalChoice,
  groupFingerprint,
  initialValues,
  isSecret,
  timeZoneList,
  toRequest,
  validate,
  type FieldErrors,
  type Values,
} from './siteForm';
import './sites.css';

interface Props {
  /** Edit this site (kind fixed, password empty = keep); add a new one when absent. */
  site?: SiteInfo | null;
  /** The site was added or updated (the probe of the stored site). */
  onDone: (probe: SiteProbe) => void;
  onClose: () => void;
}

type Action = 'test' | 'save';

/** Long values (addresses, URLs, paths, pins, help texts) take the whole row; short ones share it. */
function isWide(f: FieldSpec): boolean {
  if (f.key === 'user' || f.key === 'name') return false;
  return f.input === 'url' || f.input === 'path' || f.input === 'tls_pin' || (f.input === 'text' && !isSecret(f));
}

function Field(p: {
  f: FieldSpec;
  value: string;
  zones: string[];
  error?: string;
  edit: boolean;
  first: boolean;
  onChange: (v: string) => void;
  onSecret: (v: string) => void;
}) {
  const { f } = p;
  const id = useId();
  const c = controlFor(f, p.zones);
  const described = [f.help ? `${id}-help` : '', p.error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name: f.key, autoFocus: p.first, 'aria-invalid': p.error ? true : undefined, 'aria-describedby': described };
  let control;
  if (c.kind === 'checkbox') {
    control = <input {...common} type="checkbox" checked={p.value === 'true'} onChange={(e) => p.onChange(e.target.checked ? 'true' : 'false')} />;
  } else if (c.kind === 'select') {
    control = (
      <select {...common} value={p.value} onChange={(e) => p.onChange(e.target.value)}>
        {optionalChoice(f) && <option value="">—</option>}
        {c.choices.map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>
    );
  } else if (isSecret(f)) {
    // uncontrolled: the secret never becomes React state or a value attribute
    control = (
      <input
        {...common}
        type="password"
        autoComplete="new-password"
        defaultValue=""
        placeholder={p.edit ? 'Unchanged (leave empty to keep)' : (f.placeholder ?? undefined)}
        onChange={(e) => p.onSecret(e.target.value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type={c.type}
        inputMode={c.url ? 'url' : undefined}
        className={c.monospace ? 'mono' : undefined}
        autoComplete="off"
        spellCheck={false}
        placeholder={f.placeholder ?? undefined}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`site-field${c.kind === 'checkbox' ? ' check' : ''}${isWide(f) ? ' wide' : ''}`} data-field={f.key}>
      <label htmlFor={id}>
        {f.label}
        {f.required && !(p.edit && isSecret(f)) && (
          <span className="req" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {control}
      {f.help && (
        <div id={`${id}-help`} className="field-help muted">
          {f.help}
        </div>
      )}
      {p.error && (
        <div id={`${id}-err`} className="field-error" data-field-error={f.key}>
          {p.error}
        </div>
      )}
    </div>
  );
}

function Untrusted({ err, onTrust, busy }: { err: IpcError; onTrust: () => void; busy: boolean }) {
  return (
    <div className="site-untrusted" role="alert" data-untrusted>
      <strong>The server's TLS certificate is not trusted.</strong>
      <div className="muted site-untrusted-message">{err.message}</div>
      {err.certificate && (
        <>
          <div>Certificate fingerprint:</div>
          <code className="fingerprint" data-fingerprint={err.certificate}>
            {groupFingerprint(err.certificate)}
          </code>
          <div className="muted">
            Compare it with the fingerprint the server itself shows (its web page or console). Trust it only if they match: Vigil
            will then accept this certificate, and only this one, for this site.
          </div>
          <div className="actions">
            <button type="button" className="warn" disabled={busy} onClick={onTrust}>
              Trust this certificate
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function ProbeResult({ probe }: { probe: SiteProbe }) {
  const n = probe.cameras.length;
  return (
    <div className="site-probe" data-probe-cameras={n}>
      <strong>
        Connected to {probe.site.name}: {n === 0 ? 'no cameras listed' : `${n} camera${n === 1 ? '' : 's'} found`}
      </strong>
      {n > 0 && (
        <ul>
          {probe.cameras.map((c) => (
            <li key={c.id} data-probe-camera={c.id}>
              <span>{c.name}</span>
              {c.ptz && <span className="badge">PTZ</span>}
              <span className="muted">{c.streams.map((s) => `${s.kind} ${s.width}×${s.height} ${s.codec}`).join(', ')}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function AddSiteDialog({ site, onDone, onClose }: Props) {
  const edit = !!site;
  const [kinds, setKinds] = useState<KindSpec[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [kindId, setKindId] = useState<string | null>(site?.kind ?? null);
  const [values, setValues] = useState<Values>({});
  const secrets = useRef<Values>({});
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [engineError, setEngineError] = useState<IpcError | null>(null);
  const [probe, setProbe] = useState<SiteProbe | null>(null);
  const [busy, setBusy] = useState<Action | null>(null);
  // a login waiting for its second-step PIN: the prompt, and what to retry
  const [pinFor, setPinFor] = useState<{ login: LoginRef; action: Action; req: SiteRequest } | null>(null);
  const lastAction = useRef<Action>('test');
  const status = useRef<HTMLDivElement>(null);
  const zones = useMemo(() => timeZoneList([site?.time_zone]), [site]);
  const titleId = useId();

  useEffect(() => {
    let cancelled = false;
    sitesIpc.siteKinds().then(
      (k) => !cancelled && setKinds(k),
      (e) => !cancelled && setLoadError(toIpcError(e).message),
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const choices = useMemo(() => (kinds ? addableKinds(kinds) : []), [kinds]);
  const kind = useMemo(() => kinds?.find((k) => k.kind === kindId) ?? null, [kinds, kindId]);

  // a new kind (or the kinds arriving for an edit): fresh values, no old results
  useEffect(() => {
    if (!kind) return;
    setValues(initialValues(kind, site));
    secrets.current = {};
    setFieldErrors({});
    setEngineError(null);
    setProbe(null);
  }, [kind, site]);

  const setValue = (key: string, v: string) => {
    setValues((old) => ({ ...old, [key]: v }));
    setProbe(null); // the test was for the old values
    setFieldErrors((old) => {
      if (!(key in old)) return old;
      const next = { ...old };
      delete next[key];
      return next;
    });
  };

  const perform = async (action: Action, req: SiteRequest) => {
    if (action === 'test') {
      setProbe(null);
      setProbe(await sitesIpc.probeSite(req));
    } else {
      const done = site ? await sitesIpc.updateSite(site.id, req) : await sitesIpc.addSite(req);
      onDone(done);
    }
  };

  const run = async (action: Action, pin?: string) => {
    if (!kind || busy) return;
    lastAction.current = action;
    const all: Values = { ...values, ...secrets.current };
    if (pin) {
      all.tls_pin = pin;
      setValues((old) => ({ ...old, tls_pin: pin }));
    }
    const errs = validate(kind, all, edit ? 'edit' : 'add', zones);
    setFieldErrors(errs);
    setEngineError(null);
    if (Object.keys(errs).length) return;
    const req = toRequest(kind, all);
    if (pin && !req.tls_pin) req.tls_pin = pin; // a kind without a pin field still sends the accepted one
    if (!pin && !req.tls_pin && values.tls_pin) req.tls_pin = values.tls_pin;
    setBusy(action);
    try {
      await perform(action, req);
    } catch (e) {
      const err = toIpcError(e);
      const login = { kind: kind.kind, address: req.address, user: req.user ?? '' };
      if (mayWaitForPin(kind.kind, err.kind) && (await secondStepIpc.waiting(login).catch(() => false))) {
        setPinFor({ login, action, req });
        return;
      }
      setEngineError(err);
      const at = errorField(kind, err.kind);
      if (at) setFieldErrors((old) => ({ ...old, [at]: err.message }));
    } finally {
      setBusy(null);
    }
  };

  // a result or an error below a long form: bring it into view
  useEffect(() => {
    if (probe || engineError) status.current?.scrollIntoView?.({ block: 'nearest' });
  }, [probe, engineError]);

  const dialogRef = useRef<HTMLDivElement>(null);
  useDialogKeys(dialogRef, onClose);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run('save');
  };

  const shownInline = engineError && kind && errorField(kind, engineError.kind);
  const pinPrompt = pinFor && (
    <PinDialog
      login={pinFor.login}
      title={pinFor.req.name || pinFor.req.address}
      retry={async () => {
        setBusy(pinFor.action);
        try {
          await perform(pinFor.action, pinFor.req);
        } finally {
          setBusy(null);
        }
      }}
      onDone={() => setPinFor(null)}
      onClose={() => setPinFor(null)}
    />
  );
  return (
    <>
      <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
        <div
          className="modal site-dialog"
          role="dialog"
          aria-modal="true"
          aria-labelledby={titleId}
          data-kind={kindId ?? ''}
          ref={dialogRef}
        >
          <h2 id={titleId}>{edit ? `Edit site ${site?.name ?? ''}` : 'Add site'}</h2>
          {loadError && (
            <div className="site-error" role="alert">
              Cannot list the kinds of site: {loadError}
            </div>
          )}
          {!kinds && !loadError && <div className="muted">Loading…</div>}
          {kinds && !edit && (
            <div className={kind ? 'site-kinds compact' : 'site-kinds'} role="radiogroup" aria-label="Site kind">
              {choices.map((k) => (
                <button
                  key={k.kind}
                  type="button"
                  role="radio"
                  aria-checked={k.kind === kindId}
                  aria-label={k.label}
                  data-kind={k.kind}
                  className={k.kind === kindId ? 'site-kind on' : 'site-kind'}
                  title={k.description}
                  disabled={!!busy}
                  onClick={() => setKindId(k.kind)}
                >
                  {k.label}
                  {!kind && <span className="site-kind-desc">{k.description}</span>}
                </button>
              ))}
              {choices.length === 0 && <div className="muted">The engine offers no kind of site to add.</div>}
            </div>
          )}
          {kinds && edit && !kind && <div className="site-error">This kind of site ({site?.kind}) cannot be edited here.</div>}
          {kind && (
            <form onSubmit={submit} autoComplete="off" data-form="site" noValidate>
              {!edit && <div className="muted site-kind-about">{kind.description}</div>}
              <div className="site-fields">
                {kind.fields.map((f, i) => (
                  <Field
                    first={i === 0}
                    key={`${kind.kind}/${f.key}`}
                    f={f}
                    value={values[f.key] ?? ''}
                    zones={zones}
                    error={fieldErrors[f.key]}
                    edit={edit}
                    onChange={(v) => setValue(f.key, v)}
                    onSecret={(v) => {
                      secrets.current[f.key] = v;
                      setValue(f.key, values[f.key] ?? '');
                    }}
                  />
                ))}
              </div>
              <div ref={status} className="site-status">
                {engineError?.kind === 'untrusted' ? (
                  <Untrusted err={engineError} busy={!!busy} onTrust={() => engineError.certificate && void run(lastAction.current, engineError.certificate)} />
                ) : (
                  engineError &&
                  !shownInline && (
                    <div className="site-error" role="alert" data-site-error={engineError.kind}>
                      {engineError.message}
                    </div>
                  )
                )}
                {probe && !engineError && <ProbeResult probe={probe} />}
              </div>
              <div className="actions">
                {busy && <span className="muted site-busy">{busy === 'test' ? 'Testing connection…' : edit ? 'Saving…' : 'Adding…'}</span>}
                <button type="button" onClick={onClose}>
                  Cancel
                </button>
                <button type="button" disabled={!!busy} onClick={() => void run('test')}>
                  Test connection
                </button>
                <button type="submit" className="primary" disabled={!!busy}>
                  {edit ? 'Save' : 'Add'}
                </button>
              </div>
            </form>
          )}
          {!kind && (
            <div className="actions">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
            </div>
          )}
        </div>
      </div>
      {pinPrompt}
    </>
  );
}
