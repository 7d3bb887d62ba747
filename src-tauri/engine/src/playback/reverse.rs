//! Reverse playback and stepping back over forward-only readers: decode a
//! window ending at the cursor forward (from the keyframe before it, as the
//! reader does), then hand its frames out newest first.
use std::sync::Arc;

use super::{Decimation, PlaybackError, ReadEvent, Recording, Span};
use crate::media::source::{DecodedFrame, StopFlag};

/// How much recording one refill decodes.
const WINDOW_MS: i64 = 1_000;
/// How far back to look for the previous recording when a window is empty.
const LOOKBACK_MS: i64 = 8 * 86_400_000;
/// The first step of that look back.
const FIRST_LOOKBACK_MS: i64 = 3_600_000;

pub struct ReverseFeed {
    rec: Arc<dyn Recording>,
    /// Frames strictly before this are still to come.
    cursor: i64,
    buf: Vec<DecodedFrame>,
    decimation: Decimation,
    stop: StopFlag,
}

impl ReverseFeed {
    /// Frames at or before `t_ms`, newest first.
    pub fn new(rec: Arc<dyn Recording>, t_ms: i64, decimation: Decimation, stop: StopFlag) -> Self {
        Self {
            rec,
            cursor: t_ms.saturating_add(1),
            buf: Vec::new(),
            decimation,
            stop,
        }
    }

    pub fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
    }

    pub fn next_event(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if let Some(f) = self.buf.pop() {
                return Ok(ReadEvent::Frame(f));
            }
            let from = self.cursor.saturating_sub(WINDOW_MS);
            self.buf = frames_between(&*self.rec, from, self.cursor, self.decimation, &self.stop)?;
            if !self.buf.is_empty() {
                self.cursor = self.buf[0].ts_ms;
                continue;
            }
            // nothing in the window: the previous recording, if any
            match self.previous_end(from)? {
                Some(end_ms) => {
                    let gap = ReadEvent::Gap {
                        from_ms: self.cursor,
                        to_ms: end_ms,
                    };
                    self.cursor = end_ms;
                    return Ok(gap);
                }
                None => return Ok(ReadEvent::End),
            }
        }
    }
}

impl ReverseFeed {
    /// Where the last recording before `before_ms` ends, looking back up to
    /// `LOOKBACK_MS` in doubling steps (a segment folder then probes only
    /// the segments of the steps it needs), stopping when told to.
    fn previous_end(&self, before_ms: i64) -> Result<Option<i64>, PlaybackError> {
        let (mut to, mut back) = (before_ms, FIRST_LOOKBACK_MS);
        loop {
            if self.stop.is_stopped() {
                return Err(crate::media::MediaError::Stopped.into());
            }
            let from = before_ms.saturating_sub(back);
            if let Some(Span { end_ms, .. }) = self.rec.spans(from, to)?.last() {
                return Ok(Some(*end_ms));
            }
            if back >= LOOKBACK_MS {
                return Ok(None);
            }
            to = from;
            back = (back * 2).min(LOOKBACK_MS);
        }
    }
}

/// The decoded frames with `from_ms <= ts < to_ms`, oldest first.
pub fn frames_between(
    rec: &dyn Recording,
    from_ms: i64,
    to_ms: i64,
    decimation: Decimation,
    stop: &StopFlag,
) -> Result<Vec<DecodedFrame>, PlaybackError> {
    let mut reader = match rec.open(from_ms, decimation, stop.clone()) {
        Ok(r) => r,
        Err(PlaybackError::NoRecording(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    loop {
        match reader.next()? {
            ReadEvent::Frame(f) if f.ts_ms < to_ms => {
                if f.ts_ms >= from_ms {
                    out.push(f);
                }
            }
            ReadEvent::Gap { to_ms: next, .. } if next < to_ms => {}
            _ => return Ok(out),
        }
    }
}

/// The last frame before `t_ms` (one step back), looking back through gaps.
pub fn frame_before(
    rec: Arc<dyn Recording>,
    t_ms: i64,
    stop: &StopFlag,
) -> Result<Option<DecodedFrame>, PlaybackError> {
    let mut feed = ReverseFeed::new(rec, t_ms.saturating_sub(1), Decimation::All, stop.clone());
    loop {
        match feed.next_event()? {
            ReadEvent::Frame(f) => return Ok(Some(f)),
            ReadEvent::Gap { .. } => continue,
            ReadEvent::End => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::source::now_ms;
    use crate::playback::demo_archive::{frame_at_or_after, frame_ts, holes, DemoArchive};

    fn archive() -> Arc<dyn Recording> {
        Arc::new(DemoArchive {
            camera_index: 1,
            name: "Demo 1".into(),
            width: 320,
            height: 180,
        })
    }

    #[test]
    fn reverse_hands_out_frames_newest_first_across_a_hole() {
        let day = now_ms().div_euclid(86_400_000) - 1;
        let hole = holes(1, day)[0];
        let start = frame_ts(frame_at_or_after(hole.end_ms)) + 200;
        let mut feed = ReverseFeed::new(archive(), start, Decimation::All, StopFlag::default());
        let mut ts = Vec::new();
        let mut gap = None;
        while ts.len() < 8 {
            match feed.next_event().unwrap() {
                ReadEvent::Frame(f) => ts.push(f.ts_ms),
                ReadEvent::Gap { from_ms, to_ms } => gap = Some((from_ms, to_ms)),
                ReadEvent::End => panic!("ended"),
            }
        }
        assert!(ts.windows(2).all(|w| w[0] > w[1]), "{ts:?}");
        let (from, to) = gap.expect("crossed the hole");
        assert!(
            from >= hole.end_ms && to <= hole.start_ms + 67,
            "{from} {to}"
        );
        assert!(ts[7] < hole.start_ms);
    }

    #[test]
    fn step_back_is_exactly_one_frame() {
        let t = frame_ts(frame_at_or_after(now_ms() - 3 * 86_400_000 + 12_345));
        let f = frame_before(archive(), t, &StopFlag::default())
            .unwrap()
            .unwrap();
        let expected = frame_ts(frame_at_or_after(t) - 1);
        // unless t was the first frame after a hole
        if holes(1, t.div_euclid(86_400_000))
            .iter()
            .all(|h| !h.contains(expected))
        {
            assert_eq!(f.ts_ms, expected);
        }
    }
}
