//! Recorded video: where recordings come from (demo archive, segment folders,
//! RTSP replay, MediaMTX playback), what they cover (spans), and readers that
//! deliver decoded frames from a point in time, which playback sessions pace
//! against a clock.
use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, HasKind};
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;

pub mod bounds;
pub mod clock;
pub mod day;
pub mod demo_archive;
pub mod demo_segments;
pub mod file_input;
pub mod folder;
pub mod group;
pub mod mediamtx;
pub mod reverse;
pub mod rtsp_replay;
pub mod segment_name;
pub mod service;
pub mod session;
pub mod source_spec;
pub mod wall_time;

/// A recorded interval `[start_ms, end_ms)`, ms since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Span {
    #[serde(rename = "start")]
    pub start_ms: i64,
    #[serde(rename = "end")]
    pub end_ms: i64,
}

impl Span {
    pub fn new(start_ms: i64, end_ms: i64) -> Self {
        Self { start_ms, end_ms }
    }
    pub fn contains(&self, t_ms: i64) -> bool {
        self.start_ms <= t_ms && t_ms < self.end_ms
    }
    pub fn duration_ms(&self) -> i64 {
        self.end_ms.saturating_sub(self.start_ms)
    }
}

/// How much of the stream a reader decodes: at high speeds, less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decimation {
    /// Every frame.
    #[default]
    All,
    /// Skip frames no other frame refers to (non-reference frames).
    SkipNonRef,
    /// Keyframes only.
    KeyframesOnly,
}

impl Decimation {
    /// What to decode at a playback speed (absolute value).
    pub fn for_speed(speed: f64) -> Self {
        let s = speed.abs();
        if s >= 8.0 {
            Decimation::KeyframesOnly
        } else if s > 2.0 {
            Decimation::SkipNonRef
        } else {
            Decimation::All
        }
    }
}

/// A file that backs part of a recording (for stream copy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentFile {
    pub path: std::path::PathBuf,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// What a reader yields next.
pub enum ReadEvent {
    Frame(DecodedFrame),
    /// The recording has nothing from `from_ms` to `to_ms`; frames resume at `to_ms`.
    Gap {
        from_ms: i64,
        to_ms: i64,
    },
    /// Nothing after the last frame (end of the recordings, or of the request).
    End,
}

/// Reads decoded frames forward in recording time.
pub trait RecordingReader: Send {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError>;
    fn set_decimation(&mut self, d: Decimation);
    /// Called again and again while the reader is not read (a paused
    /// tile): a network session may pause its server and must keep itself
    /// alive; the next [`Self::next`] continues where it stopped.
    fn hold(&mut self) -> Result<(), PlaybackError> {
        Ok(())
    }
}

/// A camera's recordings from one source.
pub trait Recording: Send + Sync {
    /// For logs and status (credentials redacted).
    fn describe(&self) -> String;
    /// Spans overlapping `[from_ms, to_ms)`, clipped to it, sorted, merged.
    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError>;
    /// A reader whose first frame is the first one at or after `t_ms` (the
    /// next span's first frame when `t_ms` is in a gap).
    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError>;
    /// Whether the server sends in real time (RTSP replay): the clock then
    /// waits for late frames instead of re-seeking to catch up.
    fn paced_by_server(&self) -> bool {
        false
    }

    /// Damaged parts noticed so far (a truncated or corrupt file and why).
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }

    /// The nominal frame interval, if the source knows it.
    fn frame_interval_ms(&self) -> Option<f64> {
        None
    }
    /// The files behind `[from_ms, to_ms)` for stream copy; `None` when the
    /// source is not file-backed (frames are then encoded).
    fn segment_files(
        &self,
        _from_ms: i64,
        _to_ms: i64,
    ) -> Result<Option<Vec<SegmentFile>>, PlaybackError> {
        Ok(None)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlaybackError {
    #[error("no recording at or after {0}")]
    NoRecording(String),
    #[error("{0} is in the future")]
    Future(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("recording source {source_name}: {reason}")]
    Source { source_name: String, reason: String },
    /// The source refused us (wrong credentials, an untrusted certificate):
    /// never retried, an account lockout is worse than a missing clip.
    #[error("recording source {source_name}: {reason}")]
    Refused {
        source_name: String,
        kind: ErrorKind,
        reason: String,
    },
    #[error("{0} is not supported by this recording source")]
    Unsupported(&'static str),
    #[error(transparent)]
    Media(#[from] MediaError),
}

impl HasKind for PlaybackError {
    fn kind(&self) -> ErrorKind {
        match self {
            PlaybackError::NoRecording(_) => ErrorKind::NotFound,
            PlaybackError::Future(_) | PlaybackError::Invalid(_) => ErrorKind::InvalidInput,
            PlaybackError::Unsupported(_) => ErrorKind::Unsupported,
            PlaybackError::Io { .. } => ErrorKind::Storage,
            PlaybackError::Source { .. } => ErrorKind::Unreachable,
            PlaybackError::Refused { kind, .. } => *kind,
            PlaybackError::Media(e) => e.kind(),
        }
    }
}
