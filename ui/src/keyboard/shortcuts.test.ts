import { describe, expect, it } from 'vitest';
import { appKeyAction, SHORTCUTS } from './shortcuts';

describe('app keys', () => {
  it('maps the documented keys', () => {
    expect(appKeyAction({ key: '?' })).toEqual({ type: 'help' });
    expect(appKeyAction({ key: 'b' })).toEqual({ type: 'bookmark' });
    expect(appKeyAction({ key: 'B' })).toEqual({ type: 'bookmarks' });
    expect(appKeyAction({ key: 'p' })).toEqual({ type: 'mode', mode: 'playback' });
    expect(appKeyAction({ key: 'L' })).toEqual({ type: 'mode', mode: 'live' });
  });
  it('leaves modified keys and the grid/playback keys alone', () => {
    expect(appKeyAction({ key: 'b', ctrlKey: true })).toBeNull();
    for (const k of ['1', 'f', 'F', ' ', 'ArrowLeft', '[', 'Home', 'h', 'Escape']) expect(appKeyAction({ key: k })).toBeNull();
  });
  it('lists every app key in the overlay', () => {
    const listed = SHORTCUTS.flatMap((g) => g.keys.map((k) => k[0])).join(' ');
    for (const k of ['?', 'L / P', 'C', 'S', 'Shift+B', ',', 'O', 'B', 'N']) expect(listed).toContain(k);
  });
});
