import { describe, expect, it } from 'vitest';
import type { Camera } from '../ipc';
import type { KindSpec, SiteStatus } from './sitesIpc';
import { formatSiteDateTime, groupBySite, isBuiltIn, lastSeen, sitesSignature, stateLabel, stateLine } from './siteTree';

const cam = (id: string, site: string, site_name?: string): Camera =>
  ({ id, name: id, site, ptz: false, streams: [], site_name, capabilities: undefined }) as unknown as Camera;
const status = (id: string, name: string, state: SiteStatus['health']['state'], message: string | null = null, count = 0): SiteStatus => ({
  site: { id, kind: 'onvif', name, address: 'h', time_zone: 'Europe/Paris', user: null, tls_pin: null, options: {}, created_ms: 0 },
  health: { state, message, last_seen_ms: Date.UTC(2025, 0, 15, 11, 30, 5), checked_ms: null },
  camera_count: count,
});

describe('groupBySite', () => {
  it('groups cameras under the listed sites in the engine order, empty sites included', () => {
    const sites = [status('b', 'Yard', 'unreachable', 'refused', 1), status('a', 'HQ', 'online', null, 2), status('c', 'New', 'connecting')];
    const g = groupBySite([cam('a1', 'a'), cam('b1', 'b'), cam('a2', 'a')], sites);
    expect(g.map((x) => [x.id, x.name, x.cameras.map((c) => c.id)])).toEqual([
      ['b', 'Yard', ['b1']],
      ['a', 'HQ', ['a1', 'a2']],
      ['c', 'New', []],
    ]);
    expect(g[0].status?.health.state).toBe('unreachable');
  });
  it('gives cameras of an unlisted site their own group named by site_name (or the id)', () => {
    const g = groupBySite([cam('d1', 'demo', 'Demo site'), cam('x1', 'x'), cam('d2', 'demo')], []);
    expect(g.map((x) => [x.id, x.name, x.status, x.cameras.length])).toEqual([
      ['demo', 'Demo site', null, 2],
      ['x', 'x', null, 1],
    ]);
  });
});

describe('state words and times', () => {
  it('labels states and adds the reason when not online', () => {
    expect(stateLabel('auth_failed')).toBe('Auth failed');
    expect(stateLabel('something_new')).toBe('something_new');
    expect(stateLine(status('a', 'A', 'unreachable', 'connection refused'))).toBe('Unreachable: connection refused');
    expect(stateLine(status('a', 'A', 'online', 'ignored'))).toBe('Online');
  });
  it('shows last seen in the site time zone', () => {
    expect(formatSiteDateTime(Date.UTC(2025, 0, 15, 23, 30, 5), 'Europe/Paris')).toBe('2025-01-16 00:30:05');
    expect(formatSiteDateTime(Date.UTC(2025, 6, 1, 0, 0, 0), 'America/New_York')).toBe('2025-06-30 20:00:00');
    expect(lastSeen(status('a', 'A', 'online'))).toBe('2025-01-15 12:30:05 Europe/Paris');
    const never = status('a', 'A', 'connecting');
    never.health.last_seen_ms = null;
    expect(lastSeen(never)).toBe('never');
  });
  it('changes signature when a state or a camera count changes', () => {
    const a = [status('a', 'A', 'online', null, 2)];
    expect(sitesSignature(a)).toBe(sitesSignature([status('a', 'A', 'online', 'x', 2)]));
    expect(sitesSignature(a)).not.toBe(sitesSignature([status('a', 'A', 'online', null, 3)]));
    expect(sitesSignature(a)).not.toBe(sitesSignature([status('a', 'A', 'unreachable', null, 2)]));
  });
});

describe('isBuiltIn', () => {
  const kind = (k: string, addable: boolean): KindSpec => ({ kind: k, label: k, description: '', addable, fields: [] });
  const kinds = [kind('demo', false), kind('recorded', false), kind('rtsp', true), kind('onvif', true)];
  it('is true for the kinds the operator cannot add (no Edit or Remove for them)', () => {
    expect(isBuiltIn('demo', kinds)).toBe(true);
    expect(isBuiltIn('recorded', kinds)).toBe(true);
  });
  it('is false for addable kinds, unknown kinds and before the kinds are known', () => {
    expect(isBuiltIn('rtsp', kinds)).toBe(false);
    expect(isBuiltIn('onvif', kinds)).toBe(false);
    expect(isBuiltIn('hikvision', kinds)).toBe(false);
    expect(isBuiltIn('demo', null)).toBe(false);
  });
});
