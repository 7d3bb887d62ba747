//! Live RTSP on our own client ([`crate::rtsp::live::LiveStream`], TCP
//! interleaved, UDP, or UDP falling back to TCP) decoded by FFmpeg: a [`FrameSource`] whose frames carry the
//! camera's capture time when its RTCP sender reports map sanely to the
//! workstation's clock, else the arrival time, and say which
//! ([`FrameSource::timing`]). Errors are the same typed [`MediaError`]s as
//! FFmpeg's client gives (`rtsp_input.rs`): a refused login is
//! `AuthFailed` (the ingest parks), silence for `stall_after` is `Stalled`,
//! a closed connection `Ended`; the ingest's reconnect/backoff is unchanged.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use ffmpeg_next::{codec, packet, Packet};

use super::decode::VideoDecoder;
use super::rtsp_input::NetworkInput;
use super::source::{DecodedFrame, FrameSource, FrameTiming, StopFlag};
use super::MediaError;
use crate::rtsp::live::LiveStream;
use crate::rtsp::sdp::Codec;
use crate::rtsp::session::RtspError;
use crate::secrets::redact::redact_url;

static FORCED: AtomicBool = AtomicBool::new(false);

/// Which RTSP client live ingest uses for `rtsp://` URLs (any transport):
/// ours, unless `VIGIL_RTSP_CLIENT=ffmpeg` asks for FFmpeg's (the fallback
/// while ours is new; `rtsps://` always uses FFmpeg's).
pub fn use_our_client() -> bool {
    FORCED.load(Ordering::Relaxed)
        || !matches!(
            std::env::var("VIGIL_RTSP_CLIENT").ok().as_deref(),
            Some("ffmpeg")
        )
}

/// Makes this process's live ingest use our client whatever the
/// environment says (tests, benchmarks).
pub fn force_our_client() {
    FORCED.store(true, Ordering::Relaxed);
}

/// An open live stream on our RTSP client, with its decoder.
pub struct LiveSource {
    stream: LiveStream,
    decoder: VideoDecoder,
    /// Units sent to the decoder and not yet out: (key, time).
    pending: VecDeque<(i64, crate::rtsp::timing::FrameTime)>,
    next_key: i64,
    timing: Option<FrameTiming>,
    url: String,
}

impl LiveSource {
    /// DESCRIBE, SETUP (over `cfg.transport`) and PLAY `cfg.url`.
    pub fn open(cfg: &NetworkInput, stop: StopFlag) -> Result<Self, MediaError> {
        super::init();
        let url = redact_url(&cfg.url);
        let stream = LiveStream::open_over(&cfg.url, cfg.transport, cfg.stall_after, stop)
            .map_err(|e| media_error(&url, e))?;
        let id = match stream.codec() {
            Codec::H264 => codec::Id::H264,
            Codec::H265 => codec::Id::HEVC,
        };
        let decoder = VideoDecoder::for_codec(id).map_err(|_| MediaError::UnsupportedCodec {
            url: url.clone(),
            codec: format!("{id:?}"),
        })?;
        Ok(Self {
            stream,
            decoder,
            pending: VecDeque::new(),
            next_key: 0,
            timing: None,
            url,
        })
    }
}

impl LiveSource {
    /// The transport the server agreed to (after any fallback).
    pub fn lower(&self) -> crate::rtsp::session::Lower {
        self.stream.lower()
    }

    /// Packets received and lost over UDP (None over TCP).
    pub fn udp_stats(&self) -> Option<crate::rtsp::session::UdpStats> {
        self.stream.udp_stats()
    }
}

/// An RTSP failure as the ingest's typed media error (the same variants
/// FFmpeg's client yields for the same failure).
pub fn media_error(url: &str, e: RtspError) -> MediaError {
    let url = url.to_string();
    match e {
        RtspError::Stopped => MediaError::Stopped,
        RtspError::AuthFailed { .. } | RtspError::Auth { .. } => MediaError::AuthFailed { url },
        RtspError::Stalled { secs, .. } => MediaError::Stalled { secs },
        RtspError::Closed { .. } => MediaError::Ended { url },
        RtspError::Sdp { .. } => MediaError::NoVideo { url },
        RtspError::Status { status: 401, .. } => MediaError::AuthFailed { url },
        // an OS error as FFmpeg's client reports it (AVERROR(errno))
        RtspError::Connect { ref source, .. } | RtspError::Io { ref source, .. }
            if source.raw_os_error().is_some() =>
        {
            MediaError::Open {
                url,
                source: ffmpeg_next::Error::from(-source.raw_os_error().unwrap_or(0)),
            }
        }
        other => MediaError::Rtsp {
            url,
            reason: without_url(&other.to_string()),
        },
    }
}

/// An RTSP error's text without its leading `rtsp://...: ` (the media error
/// names the URL itself, as the caller wants it shown).
fn without_url(text: &str) -> String {
    let rest = match text.strip_prefix("rtsp://") {
        Some(r) => r.split_once(": ").map_or(text, |(_, after)| after),
        None => text,
    };
    crate::secrets::redact::redact_text(rest)
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Result<DecodedFrame, MediaError> {
        loop {
            if let Some((frame, key, keyframe)) = self.decoder.receive()? {
                // frames come out in order (no B-frames live); older entries
                // were units the decoder dropped
                while self.pending.front().is_some_and(|(k, _)| *k < key) {
                    self.pending.pop_front();
                }
                let Some((_, time)) = self.pending.pop_front() else {
                    continue;
                };
                self.timing = Some(FrameTiming {
                    source: time.source,
                    camera_offset_ms: self.stream.camera_offset_ms(),
                });
                return Ok(DecodedFrame {
                    frame,
                    ts_ms: time.ts_ms,
                    keyframe,
                });
            }
            let u = self
                .stream
                .next_unit()
                .map_err(|e| media_error(&self.url, e))?;
            let key = self.next_key;
            self.next_key += 1;
            self.pending.push_back((key, u.time));
            if self.pending.len() > 64 {
                self.pending.pop_front();
            }
            let mut p = Packet::copy(&u.unit.data);
            p.set_pts(Some(key));
            p.set_dts(Some(key));
            if u.unit.keyframe {
                p.set_flags(packet::Flags::KEY);
            }
            self.decoder.send(&p, key)?;
        }
    }

    fn timing(&self) -> Option<FrameTiming> {
        self.timing
    }
}
