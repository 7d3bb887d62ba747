//! Opens playback sessions for the hub and answers coverage queries, by
//! camera id through the VMS registry; refuses times in the future or
//! outside 1970..=2200 and unknown cameras with clear errors.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::bounds;
use super::day::format_rfc3339;
use super::group::Groups;
use super::session::{PlaybackSession, SessionSpec};
use super::{PlaybackError, Span};
use crate::error::{ErrorKind, HasKind};
use crate::media::source::now_ms;
use crate::vms::registry::Registry;
use crate::vms::{StreamKind, VmsError};

/// What a tile asks to play.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    pub camera: String,
    pub tile: (u32, u32),
    pub stream: Option<StreamKind>,
    pub at_ms: i64,
    pub speed: f64,
    pub paused: bool,
    pub group: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Vms(#[from] VmsError),
    #[error(transparent)]
    Playback(#[from] PlaybackError),
}

impl HasKind for OpenError {
    fn kind(&self) -> ErrorKind {
        match self {
            OpenError::Vms(e) => e.kind(),
            OpenError::Playback(e) => e.kind(),
        }
    }
}

pub struct PlaybackService {
    registry: Arc<Registry>,
    groups: Groups,
    next_group: AtomicU64,
}

impl PlaybackService {
    pub fn new(registry: Arc<Registry>) -> Self {
        Self {
            registry,
            groups: Groups::default(),
            next_group: AtomicU64::new(1),
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn open(&self, req: &OpenRequest) -> Result<PlaybackSession, OpenError> {
        if req.at_ms > now_ms() {
            return Err(PlaybackError::Future(format_rfc3339(req.at_ms)).into());
        }
        bounds::check(req.at_ms, "the playback start")?;
        let cam = self.registry.camera(&req.camera)?;
        let group_id = req
            .group
            .clone()
            .unwrap_or_else(|| format!("solo-{}", self.next_group.fetch_add(1, Ordering::Relaxed)));
        let group = self
            .groups
            .get_or_create(&group_id, req.at_ms, req.speed, req.paused);
        let registry = self.registry.clone();
        let camera = req.camera.clone();
        Ok(PlaybackSession::start(SessionSpec {
            camera: req.camera.clone(),
            streams: cam.streams,
            forced_stream: req.stream,
            tile: req.tile,
            recording_for: Arc::new(move |kind| registry.recording(&camera, kind)),
            group,
        })?)
    }

    /// Recorded spans of a camera's main stream in `[from_ms, to_ms)`.
    pub fn spans(&self, camera: &str, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, OpenError> {
        if to_ms <= from_ms {
            return Err(PlaybackError::Invalid("the range ends before it starts".into()).into());
        }
        let rec = self.registry.recording(camera, StreamKind::Main)?;
        Ok(rec.spans(bounds::clamp(from_ms), bounds::clamp(to_ms))?)
    }

    /// [`Self::spans`] for async callers: the search (file probes, a
    /// Profile G search, an HTTP listing) runs on a blocking thread, never on
    /// the caller's runtime worker or the UI thread.
    pub async fn spans_async(
        self: &std::sync::Arc<Self>,
        camera: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Span>, OpenError> {
        let me = self.clone();
        let camera = camera.to_string();
        tokio::task::spawn_blocking(move || me.spans(&camera, from_ms, to_ms))
            .await
            .map_err(|e| {
                OpenError::Playback(PlaybackError::Invalid(format!(
                    "the coverage search stopped: {e}"
                )))
            })?
    }
}
