import { describe, expect, it } from 'vitest';
import { renderChoice } from './renderChoice';

describe('render choice', () => {
  it('follows the app hint unless the URL says otherwise', () => {
    expect(renderChoice('', undefined)).toBe('auto');
    expect(renderChoice('', 'auto')).toBe('auto');
    expect(renderChoice('', '2d')).toBe('2d');
    expect(renderChoice('?canvas2d', 'auto')).toBe('2d');
    expect(renderChoice('?webgl', '2d')).toBe('auto');
    expect(renderChoice('?x=1', 'something else')).toBe('auto');
  });
});
