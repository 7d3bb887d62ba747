//! The seam between sources and the ingest: a source opens, then yields
//! decoded frames with their UTC timestamps until it fails or is stopped.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::MediaError;

/// A decoded frame as the decoder produced it (any pixel format, any size).
pub struct DecodedFrame {
    pub frame: ffmpeg_next::frame::Video,
    /// Capture or recording time of the frame, ms since the Unix epoch, UTC.
    pub ts_ms: i64,
    pub keyframe: bool,
}

/// Where the last frame's time came from, and the camera clock's measured
/// offset (workstation minus camera, ms), for live sources that know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FrameTiming {
    pub source: crate::rtsp::timing::TimeSource,
    pub camera_offset_ms: Option<i64>,
}

impl FrameTiming {
    /// The frame's time is the workstation's arrival time, not the camera's.
    pub fn is_arrival(&self) -> bool {
        self.source != crate::rtsp::timing::TimeSource::Capture
    }
}

/// A running source of decoded frames.
pub trait FrameSource: Send {
    /// Blocks until the next frame, or fails (the ingest then reconnects).
    fn next_frame(&mut self) -> Result<DecodedFrame, MediaError>;
    /// How the last frame was timed; `None`: the source does not say
    /// (recordings, pictures: their own time).
    fn timing(&self) -> Option<FrameTiming> {
        None
    }
    /// Hands the source where to report the live events its stream carries
    /// (motion, recording, connection lost; Milestone's live-events
    /// extension), also while no picture comes. Called once after each
    /// open; sources without such events ignore it.
    fn on_events(&mut self, _sink: EventSink) {}
    /// Hands the source how to ask for the largest picture size its
    /// viewers want now (the biggest tile watching it). Sources whose
    /// server scales (Milestone's transcoded JPEG) ask for that size and
    /// follow it as tiles change; the rest ignore it.
    fn on_wanted_size(&mut self, _wanted: WantedSize) {}
}

/// The largest picture box (width, height) anyone watches now; `None`: nobody.
pub type WantedSize = Arc<dyn Fn() -> Option<(u32, u32)> + Send + Sync>;

/// Where a source reports its stream's live events (the ingest's status).
pub type EventSink = Arc<dyn Fn(crate::vms::live_events::LiveEvents) + Send + Sync>;

/// Opens a [`FrameSource`]; called again on every reconnect.
pub trait SourceOpener: Send + Sync {
    fn open(&self, stop: StopFlag) -> Result<Box<dyn FrameSource>, MediaError>;
    /// What to show in logs and status (credentials redacted).
    fn describe(&self) -> String;
}

/// A shared flag that asks a source to give up as soon as it can.
#[derive(Clone, Default, Debug)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Milliseconds since the Unix epoch from the system clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
