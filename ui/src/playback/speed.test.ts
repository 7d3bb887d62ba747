import { describe, expect, it } from 'vitest';
import { isSpeed, speedChoices, stepSpeed } from './speed';

describe('speeds narrowed by the cameras', () => {
  it('steps within a narrower list', () => {
    const list = [1, 2, 4];
    expect(stepSpeed(1, 1, list)).toBe(2);
    expect(stepSpeed(1, -1, list)).toBe(1);
    expect(stepSpeed(4, 1, list)).toBe(4);
    expect(stepSpeed(16, -1, list)).toBe(4);
    expect(stepSpeed(-2, 1, list)).toBe(1);
    expect(stepSpeed(3, 1, [])).toBe(3);
    expect(isSpeed(8, list)).toBe(false);
  });
  it('keeps the current speed among the choices when it is not allowed', () => {
    expect(speedChoices([1, 2, 4], 2)).toEqual([1, 2, 4]);
    expect(speedChoices([1, 2, 4], 16)).toEqual([1, 2, 4, 16]);
    expect(speedChoices([1, 2, 4], 0.5)).toEqual([0.5, 1, 2, 4]);
  });
});
