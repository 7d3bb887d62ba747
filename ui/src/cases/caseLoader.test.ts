import { describe, expect, it } from 'vitest';
import { caseLoader } from './caseLoader';

/** A get whose answers the test releases by hand, in any order. */
function manualGet() {
  const calls: { id: string; resolve: (d: string) => void; reject: (e: unknown) => void }[] = [];
  const get = (id: string) => new Promise<string>((resolve, reject) => calls.push({ id, resolve, reject }));
  return { calls, get };
}

describe('case loader', () => {
  it('reloads the case being opened when its media land before its first answer, and drops the stale answer', async () => {
    const { calls, get } = manualGet();
    const shown: string[] = [];
    const l = caseLoader(get, (d) => shown.push(d), () => undefined);
    const first = l.open('a');
    const again = l.changed('a'); // media ready while the click's load is in flight
    expect(calls.map((c) => c.id)).toEqual(['a', 'a']);
    calls[1].resolve('a with media');
    calls[0].resolve('a without media'); // read before the media were recorded, answered last
    await Promise.all([first, again]);
    expect(shown).toEqual(['a with media']);
  });

  it('ignores news about other cases and shows only the case clicked last', async () => {
    const { calls, get } = manualGet();
    const shown: string[] = [];
    const l = caseLoader(get, (d) => shown.push(d), () => undefined);
    const a = l.open('a');
    const b = l.open('b');
    await l.changed('a');
    expect(calls.map((c) => c.id)).toEqual(['a', 'b']);
    calls[1].resolve('b');
    calls[0].resolve('a');
    await Promise.all([a, b]);
    expect(shown).toEqual(['b']);
    expect(l.wanted()).toBe('b');
  });

  it('a detail shown directly wins over a load still in flight; its news reload it', async () => {
    const { calls, get } = manualGet();
    const shown: string[] = [];
    const l = caseLoader(get, (d) => shown.push(d), () => undefined);
    const a = l.open('a');
    l.shown('new');
    calls[0].resolve('a');
    await a;
    expect(shown).toEqual([]);
    const r = l.changed('new');
    calls[1].resolve('new with jobs');
    await r;
    expect(shown).toEqual(['new with jobs']);
  });

  it('reports only the error of the latest request', async () => {
    const { calls, get } = manualGet();
    const errors: unknown[] = [];
    const l = caseLoader(get, () => undefined, (e) => errors.push(e));
    const a = l.open('a');
    const b = l.open('b');
    calls[0].reject(new Error('old'));
    calls[1].reject(new Error('new'));
    await Promise.all([a, b]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['new']);
  });
});
