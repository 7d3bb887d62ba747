import { describe, expect, it } from 'vitest';
import { fromDraft, toDraft } from './FootageSettings';

describe('footage settings draft', () => {
  it('shows seconds with "before" positive and stores ms with its sign', () => {
    const d = toDraft({ startOffsetMs: -5000, endOffsetMs: 7500, clockOffsetMs: -1200, recordingLagMs: 2000 });
    expect(d).toEqual({ startOffsetMs: '5', endOffsetMs: '7.5', clockOffsetMs: '-1.2', recordingLagMs: '2' });
    expect(fromDraft({ ...d, startOffsetMs: '8' })).toEqual({ startOffsetMs: -8000, endOffsetMs: 7500, clockOffsetMs: -1200, recordingLagMs: 2000 });
  });
  it('accepts a decimal comma and names a field that is not a number', () => {
    const d = toDraft({ startOffsetMs: -5000, endOffsetMs: 5000, clockOffsetMs: 0, recordingLagMs: 2000 });
    expect(fromDraft({ ...d, endOffsetMs: '2,5' })).toMatchObject({ endOffsetMs: 2500 });
    expect(fromDraft({ ...d, recordingLagMs: 'soon' })).toEqual({ bad: 'Recording lag (s)' });
    expect(fromDraft({ ...d, clockOffsetMs: ' ' })).toEqual({ bad: 'Recorder clock offset (s)' });
  });
});
