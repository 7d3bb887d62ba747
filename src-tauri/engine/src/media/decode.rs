//! A low-delay video decoder around ffmpeg-next: packets in, frames out, with
//! each frame's timestamp carried through the packet's pts.
use std::collections::VecDeque;

use ffmpeg_next::{codec, decoder, frame, Packet};

use super::MediaError;

/// Decodes one video stream. Frame threading is off: it would add a frame of
/// latency per thread, and one 1080p H.264 stream decodes in a few ms.
pub struct VideoDecoder {
    inner: decoder::Video,
    /// pts -> (ts_ms, keyframe) of packets sent and not yet decoded.
    pending: VecDeque<(i64, i64, bool)>,
    /// Frames decoded before the first keyframe reference pictures the
    /// decoder never had (grey smears on H.265): they are dropped, up to a
    /// limit for streams that refresh without keyframes (intra refresh).
    before_key: Option<u32>,
}

/// Frames dropped at most while waiting for the first keyframe.
const MAX_FRAMES_BEFORE_KEY: u32 = 90;

/// Slice threading on two threads. The struct update fills `safe`, a field
/// FFmpeg 6 removed: the Linux build links FFmpeg 5, the Windows build 7.
#[allow(clippy::needless_update)]
fn slice_threads() -> codec::threading::Config {
    codec::threading::Config {
        kind: codec::threading::Type::Slice,
        count: 2,
        ..Default::default()
    }
}

impl VideoDecoder {
    pub fn from_parameters(params: codec::Parameters) -> Result<Self, MediaError> {
        let ctx = codec::context::Context::from_parameters(params).map_err(MediaError::Decode)?;
        Self::open(ctx)
    }

    /// A decoder for recorded files: frames come out in presentation order
    /// (B-frames reordered), not low-delay; call [`Self::flush`] at the end.
    pub fn for_recording(params: codec::Parameters) -> Result<Self, MediaError> {
        let mut ctx =
            codec::context::Context::from_parameters(params).map_err(MediaError::Decode)?;
        ctx.set_threading(slice_threads());
        let inner = ctx.decoder().video().map_err(MediaError::Decode)?;
        Ok(Self {
            inner,
            pending: VecDeque::new(),
            before_key: Some(0),
        })
    }

    /// Which frames to skip decoding: none, non-reference, or all but keyframes.
    pub fn set_discard(&mut self, discard: ffmpeg_next::ffi::AVDiscard) {
        // SAFETY: the codec context is valid while `self.inner` lives.
        unsafe { (*self.inner.as_mut_ptr()).skip_frame = discard };
    }

    /// Tells the decoder no more packets come; [`Self::receive`] then drains it.
    pub fn flush(&mut self) -> Result<(), MediaError> {
        match self.inner.send_eof() {
            Ok(()) | Err(ffmpeg_next::Error::Eof) => Ok(()),
            Err(e) => Err(MediaError::Decode(e)),
        }
    }

    /// A decoder for an in-band (Annex B) stream of codec `id`.
    pub fn for_codec(id: codec::Id) -> Result<Self, MediaError> {
        let codec = ffmpeg_next::decoder::find(id)
            .ok_or(MediaError::Decode(ffmpeg_next::Error::DecoderNotFound))?;
        Self::open(codec::context::Context::new_with_codec(codec))
    }

    fn open(mut ctx: codec::context::Context) -> Result<Self, MediaError> {
        ctx.set_flags(codec::Flags::LOW_DELAY);
        ctx.set_threading(slice_threads());
        let inner = ctx.decoder().video().map_err(MediaError::Decode)?;
        Ok(Self {
            inner,
            pending: VecDeque::new(),
            before_key: Some(0),
        })
    }

    /// Sends a packet stamped with `ts_ms`; then call [`Self::receive`].
    pub fn send(&mut self, packet: &Packet, ts_ms: i64) -> Result<(), MediaError> {
        let pts = packet.pts().or(packet.dts()).unwrap_or(ts_ms);
        self.pending.push_back((pts, ts_ms, packet.is_key()));
        if self.pending.len() > 64 {
            self.pending.pop_front();
        }
        match self.inner.send_packet(packet) {
            Ok(()) => Ok(()),
            // corrupt data in one packet: drop it, the next keyframe recovers
            Err(ffmpeg_next::Error::InvalidData) => Ok(()),
            Err(e) => Err(MediaError::Decode(e)),
        }
    }

    /// The next decoded frame, if one is ready, with its timestamp.
    pub fn receive(&mut self) -> Result<Option<(frame::Video, i64, bool)>, MediaError> {
        loop {
            match self.receive_any()? {
                Some((f, ts, key)) => match self.before_key {
                    Some(_) if key || f.is_key() => {
                        self.before_key = None;
                        return Ok(Some((f, ts, true)));
                    }
                    Some(n) if n < MAX_FRAMES_BEFORE_KEY => self.before_key = Some(n + 1),
                    _ => {
                        self.before_key = None;
                        return Ok(Some((f, ts, key)));
                    }
                },
                None => return Ok(None),
            }
        }
    }

    fn receive_any(&mut self) -> Result<Option<(frame::Video, i64, bool)>, MediaError> {
        let mut f = frame::Video::empty();
        match self.inner.receive_frame(&mut f) {
            Ok(()) => {
                let pts = f.pts().or_else(|| f.timestamp());
                let pos = pts.and_then(|p| self.pending.iter().position(|(pp, _, _)| *pp == p));
                let (ts, key) = match pos {
                    Some(i) => {
                        let (_, ts, key) = self.pending[i];
                        self.pending.drain(..=i);
                        (ts, key)
                    }
                    None => self
                        .pending
                        .pop_front()
                        .map(|(_, ts, key)| (ts, key))
                        .unwrap_or((super::source::now_ms(), false)),
                };
                Ok(Some((f, ts, key)))
            }
            Err(ffmpeg_next::Error::Other { errno }) if errno == libc_eagain() => Ok(None),
            Err(ffmpeg_next::Error::Eof) => Ok(None),
            Err(e) => Err(MediaError::Decode(e)),
        }
    }
}

fn libc_eagain() -> i32 {
    ffmpeg_next::util::error::EAGAIN
}
