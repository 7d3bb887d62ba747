import { describe, expect, it } from 'vitest';
import { gridReducer, initialGridState, toLayout, type GridState } from './gridState';
import { keyToAction } from './keys';

const four = (): GridState => initialGridState({ grid: 4, tiles: ['a', 'b', 'c', 'd'] });

describe('gridReducer', () => {
  it('normalises a loaded layout', () => {
    expect(initialGridState({ grid: 4, tiles: ['a'] }).tiles).toEqual(['a', null, null, null]);
    expect(initialGridState({ grid: 7 as never, tiles: [] }).grid).toBe(4);
    expect(initialGridState().tiles).toHaveLength(4);
  });

  it('layout change keeps the assignments that fit', () => {
    const one = gridReducer(four(), { type: 'setGrid', grid: 1 });
    expect(toLayout(one)).toEqual({ grid: 1, tiles: ['a'] });
    const nine = gridReducer(four(), { type: 'setGrid', grid: 9 });
    expect(nine.tiles).toEqual(['a', 'b', 'c', 'd', null, null, null, null, null]);
    const s = gridReducer({ ...four(), selected: 3 }, { type: 'setGrid', grid: 1 });
    expect(s.selected).toBe(0);
  });

  it('assigns, clears and ignores out-of-range tiles', () => {
    let s = gridReducer(four(), { type: 'assign', tile: 2, camera: 'x' });
    expect(s.tiles).toEqual(['a', 'b', 'x', 'd']);
    s = gridReducer(s, { type: 'clear', tile: 0 });
    expect(s.tiles[0]).toBeNull();
    expect(gridReducer(s, { type: 'assign', tile: 4, camera: 'y' })).toBe(s);
    expect(gridReducer(s, { type: 'clear', tile: 0 })).toBe(s);
  });

  it('click-assign fills the selected tile then selects the next (wrapping)', () => {
    let s = gridReducer(four(), { type: 'select', tile: 3 });
    s = gridReducer(s, { type: 'assignSelected', camera: 'z' });
    expect(s.tiles[3]).toBe('z');
    expect(s.selected).toBe(0);
  });

  it('maximize toggles and restore leaves maximize and full screen', () => {
    let s = gridReducer(four(), { type: 'toggleMaximize', tile: 2 });
    expect(s.maximized).toBe(2);
    expect(s.selected).toBe(2);
    s = gridReducer(s, { type: 'toggleMaximize', tile: 2 });
    expect(s.maximized).toBeNull();
    s = gridReducer(s, { type: 'toggleFullscreen' });
    expect(s).toMatchObject({ fullscreen: true, maximized: 2 });
    s = gridReducer(s, { type: 'restore' });
    expect(s).toMatchObject({ fullscreen: false, maximized: null });
  });

  it('removing a camera clears every tile showing it', () => {
    const s = gridReducer(initialGridState({ grid: 4, tiles: ['a', 'b', 'a', null] }), { type: 'removeCamera', camera: 'a' });
    expect(s.tiles).toEqual([null, 'b', null, null]);
  });
});

describe('keyToAction', () => {
  it('maps digits to tiles in the current layout', () => {
    expect(keyToAction({ key: '2' }, four())).toEqual({ type: 'select', tile: 1 });
    expect(keyToAction({ key: '5' }, four())).toBeNull();
    expect(keyToAction({ key: '9' }, initialGridState({ grid: 9, tiles: [] }))).toEqual({ type: 'select', tile: 8 });
    expect(keyToAction({ key: '2', ctrlKey: true }, four())).toBeNull();
  });

  it('maps F and Esc', () => {
    expect(keyToAction({ key: 'f' }, four())).toEqual({ type: 'toggleFullscreen' });
    expect(keyToAction({ key: 'F' }, four())).toEqual({ type: 'toggleFullscreen' });
    expect(keyToAction({ key: 'Escape' }, four())).toBeNull();
    const max = gridReducer(four(), { type: 'toggleMaximize', tile: 0 });
    expect(keyToAction({ key: 'Escape' }, max)).toEqual({ type: 'restore' });
    expect(keyToAction({ key: 'x' }, four())).toBeNull();
  });
});
