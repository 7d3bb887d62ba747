//! Opens a network stream (RTSP over TCP or UDP, H.264/H.265, digest or basic
//! auth by FFmpeg's RTSP client) and yields decoded frames. A stall (no packet
//! for `stall_after`) and a stop request both interrupt FFmpeg's blocking I/O.
//! Only network protocols are allowed ([`super::protocols::NETWORK`]).
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ffmpeg_next::{format, media, Dictionary, Packet};

use super::decode::VideoDecoder;
use super::source::{now_ms, DecodedFrame, FrameSource, SourceOpener, StopFlag};
use super::MediaError;
use crate::secrets::redact::redact_url;

/// RTP transport for RTSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// TCP interleaved on the RTSP connection.
    #[default]
    Tcp,
    /// UDP only (a pair of client ports).
    Udp,
    /// UDP, falling back to TCP when the server refuses it or nothing
    /// arrives within a few seconds.
    Auto,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Auto => "auto",
        }
    }

    /// `tcp`, `udp` or `auto` (a site's `transport` option).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tcp" => Some(Transport::Tcp),
            "udp" => Some(Transport::Udp),
            "auto" => Some(Transport::Auto),
            _ => None,
        }
    }
}

/// Everything needed to open one network stream. `url` may carry
/// credentials; it is never printed unredacted.
#[derive(Clone)]
pub struct NetworkInput {
    pub url: String,
    pub transport: Transport,
    pub open_timeout: Duration,
    pub stall_after: Duration,
}

impl std::fmt::Debug for NetworkInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkInput")
            .field("url", &redact_url(&self.url))
            .field("transport", &self.transport)
            .finish()
    }
}

impl NetworkInput {
    pub fn new(url: impl Into<String>, transport: Transport) -> Self {
        Self {
            url: url.into(),
            transport,
            open_timeout: Duration::from_secs(10),
            stall_after: Duration::from_secs(5),
        }
    }
}

impl SourceOpener for NetworkInput {
    fn open(&self, stop: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
        if self.url.starts_with("rtsp://") && super::rtsp_live_input::use_our_client() {
            return Ok(Box::new(super::rtsp_live_input::LiveSource::open(
                self, stop,
            )?));
        }
        Ok(Box::new(NetworkSource::open(self, stop)?))
    }

    fn describe(&self) -> String {
        redact_url(&self.url)
    }
}

/// An open network stream with its decoder.
pub struct NetworkSource {
    input: format::context::Input,
    decoder: VideoDecoder,
    stream_index: usize,
    last_activity: Arc<AtomicI64>,
    stall_after: Duration,
    url: String,
}

impl NetworkSource {
    fn open(cfg: &NetworkInput, stop: StopFlag) -> Result<Self, MediaError> {
        super::init();
        super::protocols::refuse_unverifiable(&cfg.url)?;
        let url = redact_url(&cfg.url);
        let last_activity = Arc::new(AtomicI64::new(now_ms()));
        // While opening, the deadline is the open timeout; afterwards, the stall window.
        let deadline_ms = Arc::new(AtomicI64::new(cfg.open_timeout.as_millis() as i64));
        let (act, dl, stop_cb) = (last_activity.clone(), deadline_ms.clone(), stop.clone());
        let interrupt = move || {
            stop_cb.is_stopped()
                || now_ms() - act.load(Ordering::Relaxed) > dl.load(Ordering::Relaxed)
        };

        let mut opts = Dictionary::new();
        if cfg.url.starts_with("rtsp") {
            // auto: FFmpeg's own order (UDP, then TCP)
            if cfg.transport != Transport::Auto {
                opts.set("rtsp_transport", cfg.transport.as_str());
            }
            opts.set("allowed_media_types", "video");
        }
        // socket I/O timeout in microseconds (FFmpeg 5+: `timeout`)
        opts.set("timeout", &cfg.open_timeout.as_micros().to_string());
        opts.set("fflags", "nobuffer");
        opts.set("probesize", "500000");
        opts.set("analyzeduration", "1000000");
        // never a local file, whatever the URL (or a device) names
        super::protocols::restrict(&mut opts, super::protocols::NETWORK);
        let input = format::input_with_interrupt_and_dictionary(&cfg.url, interrupt, opts)
            .map_err(|e| {
                if stop.is_stopped() {
                    MediaError::Stopped
                } else {
                    classify_open_error(&url, e)
                }
            })?;
        let stream = input
            .streams()
            .best(media::Type::Video)
            .ok_or_else(|| MediaError::NoVideo { url: url.clone() })?;
        let stream_index = stream.index();
        let decoder = VideoDecoder::from_parameters(stream.parameters()).map_err(|e| match e {
            MediaError::Decode(_) => MediaError::UnsupportedCodec {
                url: url.clone(),
                codec: format!("{:?}", stream.parameters().id()),
            },
            other => other,
        })?;
        deadline_ms.store(cfg.stall_after.as_millis() as i64, Ordering::Relaxed);
        last_activity.store(now_ms(), Ordering::Relaxed);
        Ok(Self {
            input,
            decoder,
            stream_index,
            last_activity,
            stall_after: cfg.stall_after,
            url,
        })
    }
}

fn classify_open_error(url: &str, e: ffmpeg_next::Error) -> MediaError {
    match e {
        ffmpeg_next::Error::HttpUnauthorized | ffmpeg_next::Error::HttpForbidden => {
            MediaError::AuthFailed {
                url: url.to_string(),
            }
        }
        other => MediaError::Open {
            url: url.to_string(),
            source: other,
        },
    }
}

impl FrameSource for NetworkSource {
    fn next_frame(&mut self) -> Result<DecodedFrame, MediaError> {
        loop {
            if let Some((frame, ts_ms, keyframe)) = self.decoder.receive()? {
                self.last_activity.store(now_ms(), Ordering::Relaxed);
                return Ok(DecodedFrame {
                    frame,
                    ts_ms,
                    keyframe,
                });
            }
            let mut packet = Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => {
                    return Err(MediaError::Ended {
                        url: self.url.clone(),
                    })
                }
                Err(ffmpeg_next::Error::Exit) => {
                    return Err(MediaError::Stalled {
                        secs: self.stall_after.as_secs(),
                    })
                }
                Err(e) => {
                    return Err(MediaError::Read {
                        url: self.url.clone(),
                        source: e,
                    })
                }
            }
            if packet.stream() != self.stream_index {
                continue;
            }
            // The live timestamp is the packet's arrival on this workstation.
            self.decoder.send(&packet, now_ms())?;
        }
    }

    fn timing(&self) -> Option<super::source::FrameTiming> {
        Some(super::source::FrameTiming {
            source: crate::rtsp::timing::TimeSource::ArrivalNoReport,
            camera_offset_ms: None,
        })
    }
}
