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

    /// Whether anyone is watching.
    pub fn watched(&self) -> bool {
        self.list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|r| r.tx.receiver_count() > 0)
    }
}
