import { describe, expect, it } from 'vitest';
import type { FieldSpec, KindSpec, SiteInfo } from './sitesIpc';
import { addableKinds, controlFor, errorField, optionalChoice, groupFingerprint, initialValues, isPin, normalizePin, timeZoneList, toRequest, validate } from './siteForm';

const f = (key: string, input: FieldSpec['input'], more: Partial<FieldSpec> = {}): FieldSpec => ({
  key,
  label: key[0].toUpperCase() + key.slice(1),
  input,
  required: false,
  placeholder: null,
  help: null,
  default: null,
  choices: [],
  secret: false,
  ...more,
});

const ONVIF: KindSpec = {
  kind: 'onvif',
  label: 'ONVIF',
  description: 'An ONVIF camera or recorder',
  addable: true,
  fields: [
    f('name', 'text'),
    f('address', 'text', { required: true, placeholder: '192.168.1.64:80' }),
    f('user', 'text'),
    f('password', 'password', { secret: true, required: true }),
    f('tls_pin', 'tls_pin'),
    f('time_zone', 'time_zone'),
    f('transport', 'select', { choices: ['tcp', 'udp'], default: 'tcp' }),
    f('profile_g', 'checkbox'),
    f('port', 'number'),
    f('sub_url', 'url'),
  ],
};
const PIN = `sha256:${'ab'.repeat(32)}`;

describe('controlFor', () => {
  it('maps each field input to a control', () => {
    expect(controlFor(f('a', 'text'))).toEqual({ kind: 'input', type: 'text', monospace: false });
    expect(controlFor(f('a', 'password'))).toEqual({ kind: 'input', type: 'password', monospace: false });
    expect(controlFor(f('a', 'text', { secret: true }))).toMatchObject({ type: 'password' }); // secret wins
    expect(controlFor(f('a', 'url'))).toEqual({ kind: 'input', type: 'text', monospace: false, url: true });
    expect(controlFor(f('a', 'number'))).toMatchObject({ type: 'number' });
    expect(controlFor(f('a', 'path'))).toEqual({ kind: 'input', type: 'text', monospace: true });
    expect(controlFor(f('a', 'tls_pin'))).toEqual({ kind: 'input', type: 'text', monospace: true });
    expect(controlFor(f('a', 'checkbox'))).toEqual({ kind: 'checkbox' });
    expect(controlFor(f('a', 'select', { choices: ['x', 'y'] }))).toEqual({ kind: 'select', choices: ['x', 'y'] });
    expect(controlFor(f('a', 'time_zone'), ['UTC', 'Europe/Paris'])).toEqual({ kind: 'select', choices: ['UTC', 'Europe/Paris'] });
  });
});

describe('initialValues', () => {
  it('uses defaults, the machine zone, the first choice and unchecked boxes for a new site', () => {
    const v = initialValues(ONVIF, null, 'Europe/Paris');
    expect(v).toEqual({ name: '', address: '', user: '', password: '', tls_pin: '', time_zone: 'Europe/Paris', transport: 'tcp', profile_g: 'false', port: '', sub_url: '' });
  });
  it('starts an optional select without default empty, a required one on its first choice', () => {
    const k: KindSpec = { ...ONVIF, fields: [f('a', 'select', { choices: ['x', 'y'] }), f('b', 'select', { choices: ['x', 'y'], required: true })] };
    expect(initialValues(k, null, 'UTC')).toEqual({ a: '', b: 'x' });
    expect(optionalChoice(k.fields[0])).toBe(true);
    expect(optionalChoice(k.fields[1])).toBe(false);
    expect(optionalChoice(ONVIF.fields[6])).toBe(false); // has a default
  });
  it('prefills from a stored site, options included, and never the password', () => {
    const site: SiteInfo = {
      id: 's1',
      kind: 'onvif',
      name: 'Yard',
      address: '10.0.0.9:80',
      time_zone: 'Asia/Tokyo',
      user: 'admin',
      tls_pin: PIN,
      options: { transport: 'udp', profile_g: 'true' },
      created_ms: 1,
    };
    const v = initialValues(ONVIF, site, 'UTC');
    expect(v).toMatchObject({ name: 'Yard', address: '10.0.0.9:80', user: 'admin', password: '', tls_pin: PIN, time_zone: 'Asia/Tokyo', transport: 'udp', profile_g: 'true', port: '' });
  });
});

describe('validate', () => {
  const ok = { ...initialValues(ONVIF, null, 'UTC'), address: '10.0.0.9', password: 'pw' };
  it('accepts a complete form', () => {
    expect(validate(ONVIF, ok, 'add', ['UTC'])).toEqual({});
  });
  it('requires required fields (blank counts as empty)', () => {
    expect(validate(ONVIF, { ...ok, address: '  ', password: '' }, 'add')).toEqual({ address: 'Address is required', password: 'Password is required' });
  });
  it('lets an empty password keep the stored one when editing', () => {
    expect(validate(ONVIF, { ...ok, password: '' }, 'edit')).toEqual({});
  });
  it('checks the TLS pin format', () => {
    expect(validate(ONVIF, { ...ok, tls_pin: 'sha256:abc' }, 'add').tls_pin).toMatch(/64 hex/);
    expect(validate(ONVIF, { ...ok, tls_pin: `md5:${'ab'.repeat(32)}` }, 'add').tls_pin).toBeDefined();
    expect(validate(ONVIF, { ...ok, tls_pin: PIN }, 'add')).toEqual({});
    expect(validate(ONVIF, { ...ok, tls_pin: PIN.toUpperCase().replace('SHA256', 'sha256') }, 'add')).toEqual({});
  });
  it('checks numbers, URLs, zones and choices', () => {
    const e = validate(ONVIF, { ...ok, port: '8o', sub_url: 'not a url', time_zone: 'Mars/Olympus', transport: 'sctp' }, 'add', ['UTC']);
    expect(Object.keys(e).sort()).toEqual(['port', 'sub_url', 'time_zone', 'transport']);
    expect(validate(ONVIF, { ...ok, port: '8080', sub_url: 'rtsp://10.0.0.9:554/sub' }, 'add', ['UTC'])).toEqual({});
    // a URL field also takes host:port (the ONVIF kind's placeholder is '10.0.0.30:80 or http://10.0.0.30')
    expect(validate(ONVIF, { ...ok, sub_url: '10.0.0.30:80' }, 'add', ['UTC'])).toEqual({});
    expect(validate(ONVIF, { ...ok, sub_url: 'http://' }, 'add', ['UTC']).sub_url).toBeDefined();
  });
});

describe('toRequest', () => {
  it('puts standard keys in the request and the rest in options', () => {
    const v = { ...initialValues(ONVIF, null, 'UTC'), name: ' Yard ', address: ' 10.0.0.9:80 ', user: 'admin', password: ' pw ', tls_pin: 'AB:'.repeat(31) + 'AB', port: '80' };
    expect(toRequest(ONVIF, v)).toEqual({
      kind: 'onvif',
      name: 'Yard',
      address: '10.0.0.9:80',
      user: 'admin',
      password: ' pw ', // secrets are sent as typed
      tls_pin: PIN,
      time_zone: 'UTC',
      options: { transport: 'tcp', profile_g: 'false', port: '80' },
    });
  });
  it('sends null for empty optional standard values (an empty password on edit keeps the stored one)', () => {
    const r = toRequest(ONVIF, { ...initialValues(ONVIF, null, 'UTC'), address: 'h' });
    expect(r.name).toBeNull();
    expect(r.user).toBeNull();
    expect(r.password).toBeNull();
    expect(r.tls_pin).toBeNull();
  });
});

describe('pins', () => {
  it('normalizes pasted fingerprints', () => {
    expect(normalizePin(PIN)).toBe(PIN);
    expect(normalizePin('ab'.repeat(32))).toBe(PIN);
    expect(normalizePin(`SHA-256=${'AB '.repeat(32)}`)).toBe(PIN);
    expect(normalizePin('sha256:ab')).toBeNull();
    expect(normalizePin(`sha256:${'zz'.repeat(32)}`)).toBeNull();
    expect(isPin(PIN)).toBe(true);
    expect(isPin(PIN.toUpperCase())).toBe(false);
  });
  it('groups a fingerprint by four hex digits', () => {
    expect(groupFingerprint(PIN)).toBe(`sha256: ${Array(16).fill('abab').join(' ')}`);
  });
});

describe('kinds and errors', () => {
  it('offers only addable kinds', () => {
    const demo = { ...ONVIF, kind: 'demo', addable: false };
    expect(addableKinds([demo, ONVIF]).map((k) => k.kind)).toEqual(['onvif']);
  });
  it('shows auth errors by the password and unreachable by the address', () => {
    expect(errorField(ONVIF, 'auth_failed')).toBe('password');
    expect(errorField(ONVIF, 'unreachable')).toBe('address');
    expect(errorField(ONVIF, 'untrusted')).toBeNull();
    expect(errorField({ ...ONVIF, fields: [f('address', 'url')] }, 'auth_failed')).toBeNull();
  });
  it('lists time zones with UTC and a stored zone', () => {
    const z = timeZoneList(['Etc/GMT+5']);
    expect(z).toContain('UTC');
    expect(z).toContain('Etc/GMT+5');
    expect(z).toContain('Europe/Paris');
  });
});
