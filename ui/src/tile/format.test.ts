import { describe, expect, it } from 'vitest';
import { formatClock, statusLabel } from './format';

describe('tile format', () => {
  it('formats the frame time in local time', () => {
    const d = new Date(2024, 0, 2, 3, 4, 5, 678);
    expect(formatClock(d.getTime())).toBe('03:04:05');
    expect(formatClock(Number.NaN)).toBe('');
  });
  it('labels states with reasons', () => {
    expect(statusLabel('live', null)).toBe('Live');
    expect(statusLabel('reconnecting', 'timeout')).toBe('Reconnecting: timeout');
    expect(statusLabel('auth_failed', '401')).toBe('Auth failed: 401');
  });
});
