import { describe, expect, it } from 'vitest';
import { formatBytes, groupFingerprint } from './evidenceIpc';

describe('evidence formatting', () => {
  it('sizes read as people say them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
  });
  it('a fingerprint is grouped by four', () => {
    expect(groupFingerprint('ab12cd34ef')).toBe('ab12 cd34 ef');
    expect(groupFingerprint('')).toBe('');
  });
});
