/**
 * The add/edit-site form as data (no React, no IPC): which control a field
 * gets, the initial values (defaults, or a stored site for editing), the
 * validation of required fields, numbers, URLs, time zones and TLS pins, and
 * the `SiteRequest` built from the values.
 */
import type { FieldSpec, KindSpec, SiteInfo, SiteRequest } from './sitesIpc';

/** Field keys that map to `SiteRequest` members; every other key is a kind option. */
export const STANDARD_KEYS = ['name', 'address', 'user', 'password', 'tls_pin', 'time_zone'] as const;
type StandardKey = (typeof STANDARD_KEYS)[number];
const isStandard = (k: string): k is StandardKey => (STANDARD_KEYS as readonly string[]).includes(k);

export type FormMode = 'add' | 'edit';
export type Values = Record<string, string>;
export type FieldErrors = Record<string, string>;

/** The control a field is drawn as. */
export type Control =
  | { kind: 'input'; type: 'text' | 'password' | 'number'; monospace: boolean; url?: boolean }
  | { kind: 'select'; choices: string[] }
  | { kind: 'checkbox' };

export function controlFor(f: FieldSpec, zones: readonly string[] = []): Control {
  if (f.secret || f.input === 'password') return { kind: 'input', type: 'password', monospace: false };
  switch (f.input) {
    case 'checkbox':
      return { kind: 'checkbox' };
    case 'select':
      return { kind: 'select', choices: f.choices ?? [] };
    case 'time_zone':
      return { kind: 'select', choices: [...zones] };
    case 'url':
      // a text box: kinds accept host:port too, which a browser URL box would flag
      return { kind: 'input', type: 'text', monospace: false, url: true };
    case 'number':
      return { kind: 'input', type: 'number', monospace: false };
    case 'tls_pin':
      return { kind: 'input', type: 'text', monospace: true };
    default:
      return { kind: 'input', type: 'text', monospace: f.input === 'path' };
  }
}

/** A select that may be left empty (not required, no default): it gets a "—" choice and starts empty. */
export function optionalChoice(f: FieldSpec): boolean {
  return f.input === 'select' && !f.required && f.default == null;
}

/** A secret field's value is never prefilled, never sent back empty on edit (empty keeps the stored one). */
export function isSecret(f: FieldSpec): boolean {
  return f.secret || f.input === 'password';
}

/** The machine's IANA time zone (UTC when the browser cannot say). */
export function machineTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** IANA time zones the browser knows, with UTC and `extra` (a stored zone) included, sorted. */
export function timeZoneList(extra: (string | null | undefined)[] = []): string[] {
  let zones: string[] = [];
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  try {
    zones = intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    zones = [];
  }
  const set = new Set(zones);
  set.add('UTC');
  for (const z of extra) if (z) set.add(z);
  return [...set].sort();
}

function stored(site: SiteInfo, key: string): string {
  switch (key) {
    case 'name':
      return site.name;
    case 'address':
      return site.address;
    case 'user':
      return site.user ?? '';
    case 'tls_pin':
      return site.tls_pin ?? '';
    case 'time_zone':
      return site.time_zone;
    case 'password':
      return '';
    default:
      return site.options[key] ?? '';
  }
}

/** Initial values: a stored site's (secrets empty) when editing, else the fields' defaults (time zone: the machine's). */
export function initialValues(kind: KindSpec, site?: SiteInfo | null, zone: string = machineTimeZone()): Values {
  const v: Values = {};
  for (const f of kind.fields) {
    if (isSecret(f)) v[f.key] = '';
    else if (site) v[f.key] = stored(site, f.key);
    else if (f.default != null) v[f.key] = f.default;
    else if (f.input === 'time_zone') v[f.key] = zone;
    else if (f.input === 'checkbox') v[f.key] = 'false';
    else if (f.input === 'select') v[f.key] = optionalChoice(f) ? '' : (f.choices?.[0] ?? '');
    else v[f.key] = '';
  }
  return v;
}

const PIN_RE = /^sha256:[0-9a-f]{64}$/;

/**
 * A TLS pin in the engine's form, 'sha256:<64 lowercase hex>', from what an
 * operator may paste (upper case, colon- or space-separated pairs, with or
 * without the prefix); null when it is not a SHA-256 fingerprint.
 */
export function normalizePin(s: string): string | null {
  let t = s.trim();
  if (/^sha-?256[:=]/i.test(t)) t = t.replace(/^sha-?256[:=]/i, '');
  t = t.replace(/[\s:]/g, '').toLowerCase();
  const pin = `sha256:${t}`;
  return PIN_RE.test(pin) ? pin : null;
}

export function isPin(s: string): boolean {
  return PIN_RE.test(s);
}

/** A fingerprint split into groups of four hex digits, for reading aloud against the server's. */
export function groupFingerprint(pin: string): string {
  const hex = pin.startsWith('sha256:') ? pin.slice(7) : pin;
  return `sha256: ${hex.match(/.{1,4}/g)?.join(' ') ?? hex}`;
}

/**
 * A plausible address for a URL field: no spaces, and a full URL when it has
 * a scheme (kinds also take `host:port`; the engine checks the rest).
 */
function validUrl(s: string): boolean {
  if (/\s/.test(s)) return false;
  if (!s.includes('://')) return true;
  try {
    const u = new URL(s);
    return u.host !== '' || u.pathname !== '';
  } catch {
    return false;
  }
}

/**
 * Field errors (empty object: the form can be sent). In edit mode an empty
 * secret is allowed (it keeps the stored one). `zones` (when non-empty) is
 * the list a time zone must be in.
 */
export function validate(kind: KindSpec, values: Values, mode: FormMode, zones: readonly string[] = []): FieldErrors {
  const errors: FieldErrors = {};
  for (const f of kind.fields) {
    const raw = values[f.key] ?? '';
    const v = isSecret(f) ? raw : raw.trim();
    if (f.input === 'checkbox') continue;
    if (v === '') {
      if (f.required && !(mode === 'edit' && isSecret(f))) errors[f.key] = `${f.label} is required`;
      continue;
    }
    if (f.input === 'number' && !Number.isFinite(Number(v))) errors[f.key] = `${f.label} must be a number`;
    else if (f.input === 'url' && !validUrl(v)) errors[f.key] = `${f.label} is not a URL`;
    else if (f.input === 'tls_pin' && !normalizePin(v)) errors[f.key] = 'A TLS pin is sha256: followed by 64 hex digits';
    else if (f.input === 'time_zone' && zones.length > 0 && !zones.includes(v)) errors[f.key] = `Unknown time zone ${v}`;
    else if (f.input === 'select' && f.choices && f.choices.length > 0 && !f.choices.includes(v)) errors[f.key] = `${f.label}: pick one of the choices`;
  }
  return errors;
}

/** The request for probe/add/update. Empty optional values are left out; an empty secret on edit is null (keep). */
export function toRequest(kind: KindSpec, values: Values): SiteRequest {
  const req: SiteRequest = { kind: kind.kind, address: '', options: {} };
  for (const f of kind.fields) {
    const raw = values[f.key] ?? '';
    const v = isSecret(f) ? raw : raw.trim();
    if (isStandard(f.key)) {
      if (f.key === 'address') req.address = v;
      else if (f.key === 'tls_pin') req.tls_pin = v ? (normalizePin(v) ?? v) : null;
      else req[f.key] = v === '' ? null : v;
    } else if (f.input === 'checkbox') {
      req.options[f.key] = v === 'true' ? 'true' : 'false';
    } else if (v !== '') {
      req.options[f.key] = v;
    }
  }
  return req;
}

/** Kinds an operator can add, in the engine's order. */
export function addableKinds(kinds: KindSpec[]): KindSpec[] {
  return kinds.filter((k) => k.addable);
}

/** Where an engine error is shown: next to a field (auth -> password/user, unreachable -> address), or above the buttons. */
export function errorField(kind: KindSpec, errorKind: string): string | null {
  const has = (k: string) => kind.fields.some((f) => f.key === k);
  if (errorKind === 'auth_failed') return has('password') ? 'password' : has('user') ? 'user' : null;
  if (errorKind === 'unreachable') return has('address') ? 'address' : null;
  return null;
}
