import { describe, expect, it } from 'vitest';
import { backoffMs, liveUrl, parseStatus } from './liveSocket';

describe('liveSocket helpers', () => {
  it('parses status messages and ignores others', () => {
    expect(parseStatus('{"type":"status","camera":"demo-1","stream":"sub","state":"live","reason":null}')).toEqual({ state: 'live', stream: 'sub', reason: null });
    expect(parseStatus('{"type":"status","stream":null,"state":"reconnecting","reason":"timeout"}')).toEqual({ state: 'reconnecting', stream: null, reason: 'timeout' });
    expect(parseStatus('{"type":"status","state":"weird"}')).toBeNull();
    expect(parseStatus('{"type":"other"}')).toBeNull();
    expect(parseStatus('not json')).toBeNull();
    expect(parseStatus('null')).toBeNull();
  });

  it('builds the live URL', () => {
    expect(liveUrl('ws://127.0.0.1:5000/', 'ab cd', 'cam/1', 480, 270)).toBe('ws://127.0.0.1:5000/v1/live?token=ab+cd&camera=cam%2F1&w=480&h=270');
  });

  it('caps the backoff', () => {
    expect(backoffMs(0)).toBe(250);
    expect(backoffMs(1)).toBe(500);
    expect(backoffMs(30)).toBe(5000);
  });
});
