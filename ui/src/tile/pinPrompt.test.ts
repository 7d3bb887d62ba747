import { describe, expect, it } from 'vitest';
import type { SiteStatus } from '../bindings/engine';
import { parseStatus } from '../hub/liveSocket';
import { pinRequiredText, tilePinLogin } from './pinPrompt';

const site = (id: string, user: string | null): SiteStatus => ({
  site: { id, kind: 'milestone', name: `XProtect ${id}`, address: 'https://xp.example:8082', time_zone: 'UTC', user, tls_pin: null, options: {}, created_ms: 0 },
  health: { state: 'auth_failed', message: null, last_seen_ms: null, checked_ms: null },
  camera_count: 3,
});

describe('tile PIN prompt', () => {
  it("finds the login of the tile's site by its id", () => {
    const sites = [site('a', 'op'), site('b', 'guard')];
    expect(tilePinLogin(sites, 'b')).toEqual({ login: { kind: 'milestone', address: 'https://xp.example:8082', user: 'guard' }, name: 'XProtect b' });
    expect(tilePinLogin([site('a', null)], 'a')?.login.user).toBe('');
  });

  it('is null when the site is gone', () => {
    expect(tilePinLogin([site('a', 'op')], 'gone')).toBeNull();
    expect(tilePinLogin([], 'a')).toBeNull();
  });

  it("names the site in the tile's line", () => {
    expect(pinRequiredText(' XProtect HQ ')).toBe('XProtect HQ sent a PIN for its second login step');
    expect(pinRequiredText(undefined)).toMatch(/^The server sent a PIN/);
    expect(pinRequiredText('  ')).toMatch(/^The server sent a PIN/);
  });
});

describe('hub status', () => {
  it("reads the engine's pin_required state with its reason", () => {
    const s = parseStatus(JSON.stringify({ type: 'status', camera: 'c', stream: 'main', state: 'pin_required', reason: 'XProtect / Camera 1: the server requires a second login step: enter the PIN it sent to the user' }));
    expect(s?.state).toBe('pin_required');
    expect(s?.reason).toMatch(/second login step/);
  });
});
