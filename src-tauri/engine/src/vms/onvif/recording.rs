//! Profile G coverage of one camera as a [`Recording`]: the device's
//! recordings whose source is the camera's video source (or the only
//! recording of a single-camera device), with gaps from the recording-history
//! events. Frames come from ONVIF RTSP replay ([`OnvifRecording::replay_uri`])
//! through our own RTSP client ([`crate::rtsp::replay`]): `Range: clock=`,
//! `Require: onvif-replay`, each frame timed by the replay header extension.
use std::sync::Arc;

use super::error::OnvifError;
use super::search::{self, RecordingInfo};
use super::site::Inner;
use super::stored::OnvifCameraRow;
use crate::media::source::StopFlag;
use crate::playback::{Decimation, PlaybackError, Recording, RecordingReader, Span};
use crate::rtsp::replay::ReplayReader;
use crate::secrets::redact::with_credentials;

pub struct OnvifRecording {
    inner: Arc<Inner>,
    cam: OnvifCameraRow,
}

impl OnvifRecording {
    pub(crate) fn new(inner: Arc<Inner>, cam: OnvifCameraRow) -> Self {
        Self { inner, cam }
    }

    async fn mine(&self) -> Result<Vec<RecordingInfo>, OnvifError> {
        let c = self
            .inner
            .client(&self.cam.device_id)
            .await
            .map_err(|e| OnvifError::Invalid(e.to_string()))?;
        let all = search::recordings(&c.transport, c.search_url()?).await?;
        let mine: Vec<_> = all
            .iter()
            .filter(|r| r.source_id == self.cam.video_source)
            .cloned()
            .collect();
        Ok(if mine.is_empty() && all.len() == 1 {
            all
        } else {
            mine
        })
    }

    /// Coverage spans from the device, clipped to `[from_ms, to_ms)`.
    pub async fn spans_async(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, OnvifError> {
        if to_ms <= from_ms {
            return Ok(Vec::new());
        }
        let c = self
            .inner
            .client(&self.cam.device_id)
            .await
            .map_err(|e| OnvifError::Invalid(e.to_string()))?;
        let url = c.search_url()?.to_string();
        let mut spans: Vec<(i64, i64)> = Vec::new();
        for rec in self.mine().await? {
            let edges = search::data_edges(&c.transport, &url, &rec.token, from_ms, to_ms).await?;
            if edges.is_empty() {
                if let (Some(a), Some(b)) = (rec.earliest_ms, rec.latest_ms) {
                    let (a, b) = (a.max(from_ms), b.min(to_ms));
                    if b > a {
                        spans.push((a, b));
                    }
                }
            } else {
                spans.extend(search::spans_from_edges(&edges, from_ms, to_ms));
            }
        }
        spans.sort();
        let mut merged: Vec<Span> = Vec::new();
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.end_ms => last.end_ms = last.end_ms.max(b),
                _ => merged.push(Span::new(a, b)),
            }
        }
        Ok(merged)
    }

    /// The RTSP replay URI (no credentials, on the device's host) of the
    /// camera's recording.
    pub async fn replay_uri(&self) -> Result<String, OnvifError> {
        let rec = self.mine().await?.into_iter().next().ok_or_else(|| {
            OnvifError::Unsupported(format!("replay of {} (no recording)", self.cam.id))
        })?;
        let c = self
            .inner
            .client(&self.cam.device_id)
            .await
            .map_err(|e| OnvifError::Invalid(e.to_string()))?;
        c.replay_uri(&rec.token).await
    }
}

impl Recording for OnvifRecording {
    fn describe(&self) -> String {
        format!(
            "onvif {} recordings of {}",
            self.cam.device_id, self.cam.video_source
        )
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        super::block_on(&self.inner.rt, self.spans_async(from_ms, to_ms))
            .map_err(|e| self.playback_error(e))
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let uri = super::block_on(&self.inner.rt, self.replay_uri())
            .map_err(|e| self.playback_error(e))?;
        let (_, creds) =
            self.inner
                .device(&self.cam.device_id)
                .map_err(|e| PlaybackError::Source {
                    source_name: self.describe(),
                    reason: e.to_string(),
                })?;
        let url = match creds {
            Some(c) => with_credentials(&uri, Some(c.user.as_str()), Some(c.password.as_str()))
                .unwrap_or(uri),
            None => uri,
        };
        Ok(Box::new(ReplayReader::open(&url, t_ms, decimation, stop)?))
    }
}

impl OnvifRecording {
    fn playback_error(&self, e: OnvifError) -> PlaybackError {
        match e {
            OnvifError::Unsupported(_) => {
                PlaybackError::Unsupported("recording search (Profile G)")
            }
            // a refused login is not a network problem: never retried
            e @ (OnvifError::AuthFailed { .. } | OnvifError::Tls(_)) => PlaybackError::Refused {
                source_name: self.describe(),
                kind: crate::error::HasKind::kind(&e),
                reason: e.to_string(),
            },
            e => PlaybackError::Source {
                source_name: self.describe(),
                reason: e.to_string(),
            },
        }
    }
}
