//! The output sizes of one ingest: one scaler output per requested box,
//! shared by every consumer of that box through a latest-value channel
//! (latest frame wins; nothing queues).
use std::sync::Mutex;

use tokio::sync::watch;

use crate::media::picture::Picture;
use crate::media::scale::Scaler;
use crate::media::source::DecodedFrame;
use crate::media::MediaError;

pub type PictureRx = watch::Receiver<Option<Picture>>;

struct Rendition {
    box_: (u32, u32),
    tx: watch::Sender<Option<Picture>>,
}

#[derive(Default)]
pub struct Renditions {
    list: Mutex<Vec<Rendition>>,
}

impl Renditions {
    /// A receiver of frames scaled to fit `box_`.
    pub fn subscribe(&self, box_: (u32, u32)) -> PictureRx {
        let mut list = self.list.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = list.iter().find(|r| r.box_ == box_) {
            return r.tx.subscribe();
        }
        let (tx, rx) = watch::channel(None);
        list.push(Rendition { box_, tx });
        rx
    }

    /// Scales the frame for every box someone is watching; drops the rest.
    /// `arrival_time`: the frame's time is its arrival, flagged to tiles.
    pub fn publish(
        &self,
        scaler: &mut Scaler,
        frame: &DecodedFrame,
        seq: u32,
        arrival_time: bool,
    ) -> Result<(), MediaError> {
        let mut list = self.list.lock().unwrap_or_else(|p| p.into_inner());
        list.retain(|r| r.tx.receiver_count() > 0);
        for r in list.iter() {
            let mut pic = scaler.scale(&frame.frame, r.box_, frame.ts_ms, frame.keyframe, seq)?;
            pic.arrival_time = arrival_time;
            r.tx.send_replace(Some(pic));
        }
        Ok(())
    }

    /// The largest box anyone is watching (by area), for a source whose
    /// server scales (it sends pictures no bigger than the tiles need).
    pub fn largest_watched(&self) -> Option<(u32, u32)> {
        self.list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|r| r.tx.receiver_count() > 0)
            .map(|r| r.box_)
            .max_by_key(|&(w, h)| u64::from(w) * u64::from(h))
    }

    /// Whether anyone is watching.
    pub fn watched(&self) -> bool {
        self.list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|r| r.tx.receiver_count() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_box_is_of_those_still_watched() {
        let r = Renditions::default();
        assert_eq!(r.largest_watched(), None);
        let small = r.subscribe((320, 180));
        let big = r.subscribe((960, 540));
        let _same = r.subscribe((320, 180));
        assert_eq!(r.largest_watched(), Some((960, 540)));
        drop(big);
        assert_eq!(r.largest_watched(), Some((320, 180)));
        drop(small);
        assert_eq!(
            r.largest_watched(),
            Some((320, 180)),
            "one tile of that size is left"
        );
    }
}
