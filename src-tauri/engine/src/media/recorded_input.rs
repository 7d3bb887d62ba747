//! A recorded video stream opened with FFmpeg: a file (MP4, fMP4, MPEG-TS,
//! MKV), an HTTP download (MediaMTX `/get`) or an RTSP replay URL. Frames
//! come out in presentation order with their offset from the stream's start;
//! seeking lands on the keyframe at or before a target and decoding drops
//! what precedes it; decimation skips non-reference or non-key frames.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ffmpeg_next::ffi::AVDiscard;
use ffmpeg_next::{format, frame, media, Dictionary, Packet, Rational};

use super::decode::VideoDecoder;
use super::source::{now_ms, StopFlag};
use super::MediaError;
use crate::playback::Decimation;
use crate::secrets::redact::redact_url;

/// One decoded frame of a recording.
pub struct RecordedFrame {
    pub frame: frame::Video,
    /// ms since the stream's first timestamp.
    pub offset_ms: i64,
    pub keyframe: bool,
}

pub struct RecordedInput {
    input: format::context::Input,
    stream_index: usize,
    time_base: Rational,
    /// pts of the stream's start (MPEG-TS starts far from zero).
    start_pts: i64,
    decoder: VideoDecoder,
    decimation: Decimation,
    /// Frames before this offset are decoded but not returned (after a seek).
    skip_before_ms: i64,
    drained: bool,
    /// Zero-length samples are the GOP before the requested start (MediaMTX
    /// `/get`): they share the first visible frame's timestamp and are always
    /// decoded, as is that frame.
    preroll_by_zero_duration: bool,
    /// The timestamp the pre-roll run shares, once seen; None after it.
    preroll_pts: Option<Option<i64>>,
    activity: Arc<AtomicI64>,
    what: String,
    /// A local file: a failed seek may read ahead or rewind (cheap here,
    /// never on a network stream).
    local: bool,
}

/// `SEEK_SET` for `avio_seek` (0 on every platform FFmpeg runs on).
const SEEK_SET: i32 = 0;

/// How long an I/O call may block before it is interrupted.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

impl RecordedInput {
    /// Opens `url` (a path or a URL); `options` are FFmpeg demuxer/protocol
    /// options. A plain path may only read files, a URL only the network
    /// ([`super::protocols::for_recorded`]).
    pub fn open(url: &str, mut options: Dictionary, stop: StopFlag) -> Result<Self, MediaError> {
        super::init();
        super::protocols::refuse_unverifiable(url)?;
        super::protocols::restrict(&mut options, super::protocols::for_recorded(url));
        let what = redact_url(url);
        let activity = Arc::new(AtomicI64::new(now_ms()));
        let act = activity.clone();
        let interrupt = move || {
            stop.is_stopped()
                || now_ms() - act.load(Ordering::Relaxed) > IO_TIMEOUT.as_millis() as i64
        };
        let input =
            format::input_with_interrupt_and_dictionary(&url, interrupt, options).map_err(|e| {
                match e {
                    ffmpeg_next::Error::HttpUnauthorized | ffmpeg_next::Error::HttpForbidden => {
                        MediaError::AuthFailed { url: what.clone() }
                    }
                    source => MediaError::Open {
                        url: what.clone(),
                        source,
                    },
                }
            })?;
        let local = !super::protocols::names_a_protocol(url);
        Self::from_input(input, what, activity, local)
    }

    /// Opens the local file `path` from byte `skip` on, as if the file began
    /// there (a Dahua `.dav` after its firmware preamble: FFmpeg probes from
    /// the first byte it is given, so the preamble must be hidden from it,
    /// not skipped after probing). Reads go through our own file handle, so
    /// no FFmpeg protocol is involved at all.
    pub fn open_file_from(
        path: &std::path::Path,
        skip: u64,
        stop: StopFlag,
    ) -> Result<Self, MediaError> {
        super::init();
        let what = path.display().to_string();
        let io_error = |e: std::io::Error| MediaError::Open {
            url: what.clone(),
            source: ffmpeg_next::Error::Other {
                errno: e.raw_os_error().unwrap_or(ffmpeg_next::util::error::EIO),
            },
        };
        let file = super::offset_file::OffsetFile::open(path, skip).map_err(io_error)?;
        let io =
            format::context::StreamIo::from_read_seek(file).map_err(|source| MediaError::Open {
                url: what.clone(),
                source,
            })?;
        let activity = Arc::new(AtomicI64::new(now_ms()));
        let act = activity.clone();
        let interrupt = move || {
            stop.is_stopped()
                || now_ms() - act.load(Ordering::Relaxed) > IO_TIMEOUT.as_millis() as i64
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let input = format::input_from_stream_with_interrupt(io, name.as_deref(), None, interrupt)
            .map_err(|source| MediaError::Open {
                url: what.clone(),
                source,
            })?;
        Self::from_input(input, what, activity, true)
    }

    fn from_input(
        input: format::context::Input,
        what: String,
        activity: Arc<AtomicI64>,
        local: bool,
    ) -> Result<Self, MediaError> {
        let stream = input
            .streams()
            .best(media::Type::Video)
            .ok_or_else(|| MediaError::NoVideo { url: what.clone() })?;
        let (stream_index, time_base) = (stream.index(), stream.time_base());
        let start_pts = Some(stream.start_time())
            .filter(|t| *t != ffmpeg_next::ffi::AV_NOPTS_VALUE)
            .unwrap_or(0);
        let decoder = VideoDecoder::for_recording(stream.parameters()).map_err(|_| {
            MediaError::UnsupportedCodec {
                url: what.clone(),
                codec: format!("{:?}", stream.parameters().id()),
            }
        })?;
        Ok(Self {
            input,
            stream_index,
            time_base,
            start_pts,
            decoder,
            decimation: Decimation::All,
            skip_before_ms: i64::MIN,
            drained: false,
            preroll_by_zero_duration: false,
            preroll_pts: Some(None),
            activity,
            what,
            local,
        })
    }

    /// Timestamps count from 0, not from the stream's first frame (a
    /// MediaMTX `/get` puts the requested start at 0).
    pub fn use_zero_origin(&mut self) {
        self.start_pts = 0;
    }

    /// Zero-length samples at the start are pre-roll (MediaMTX `/get`).
    pub fn set_preroll_by_zero_duration(&mut self) {
        self.preroll_by_zero_duration = true;
    }

    /// The stream's absolute start (RTSP `a=range:clock=`, MP4 creation
    /// time), if the source states one.
    pub fn start_time_utc_ms(&self) -> Option<i64> {
        // SAFETY: reading a field of a valid format context.
        let t = unsafe { (*self.input.as_ptr()).start_time_realtime };
        (t > 0 && t != ffmpeg_next::ffi::AV_NOPTS_VALUE).then_some(t / 1000)
    }

    /// The container's duration, if it states one.
    pub fn stated_duration_ms(&self) -> Option<i64> {
        let d = self.input.duration();
        (d > 0).then_some(d / 1000)
    }

    fn to_ms(&self, pts: i64) -> i64 {
        pts_to_ms(
            pts,
            self.start_pts,
            self.time_base.numerator(),
            self.time_base.denominator(),
        )
    }

    /// Reads every packet (no decoding): the span from the first frame to the
    /// end of the last one, and the number of video packets.
    pub fn scan_duration_ms(&mut self) -> Result<(i64, u64), MediaError> {
        // the last frame lasts as long as the one before it when the
        // container does not say (fragmented MP4 often does not)
        let (mut end, mut count, mut last_pts, mut step) = (0i64, 0u64, None::<i64>, 0i64);
        let mut packet = Packet::empty();
        loop {
            self.activity.store(now_ms(), Ordering::Relaxed);
            match packet.read(&mut self.input) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => break,
                Err(source) => {
                    return Err(MediaError::Read {
                        url: self.what.clone(),
                        source,
                    })
                }
            }
            if packet.stream() != self.stream_index {
                continue;
            }
            let Some(pts) = packet.pts().or(packet.dts()) else {
                continue;
            };
            let at = self.to_ms(pts);
            if let Some(prev) = last_pts {
                if at > prev {
                    step = at.saturating_sub(prev);
                }
            }
            last_pts = Some(at);
            let dur = self.to_ms(self.start_pts.saturating_add(packet.duration()));
            // a stated 1 ms is a placeholder, not a frame's duration
            // (FFmpeg's dhav demuxer states 1 tick of 1/1000 s for every frame)
            let believed = dur > 1;
            end = end.max(at.saturating_add(if believed { dur } else { step }));
            count += 1;
        }
        Ok((end, count))
    }

    /// Positions at the keyframe at or before `offset_ms`; frames before
    /// `offset_ms` are then decoded and dropped.
    pub fn seek_ms(&mut self, offset_ms: i64) -> Result<(), MediaError> {
        self.activity.store(now_ms(), Ordering::Relaxed);
        if offset_ms > 0 {
            // seek in the stream's own time base, backwards to a keyframe
            let (n, d) = (
                self.time_base.numerator() as i64,
                self.time_base.denominator() as i64,
            );
            let ts = i128::from(self.start_pts)
                + i128::from(offset_ms) * i128::from(d) / (1000 * i128::from(n.max(1)));
            let ts = i64::try_from(ts).unwrap_or(i64::MAX);
            let mut r = self.seek_frame(ts);
            if r < 0 && self.local {
                // A demuxer that seeks only by the index it builds while
                // reading (FFmpeg's dhav: nothing read, no index, no seek):
                // read packets, without decoding, up to the target, then
                // seek again.
                self.index_up_to(ts)?;
                r = self.seek_frame(ts);
            }
            if r < 0 && self.local {
                // still nothing at or before the target (it is in the first
                // GOP): back to the first byte; the frames before the target
                // are decoded and dropped below
                // (the demuxer refuses even a byte seek: rewind its input and
                // drop what it buffered; it resynchronises on its next frame)
                // SAFETY: a valid format context with an open input.
                r = unsafe {
                    let ctx = self.input.as_mut_ptr();
                    ffmpeg_next::ffi::avformat_flush(ctx);
                    let at = ffmpeg_next::ffi::avio_seek((*ctx).pb, 0, SEEK_SET);
                    if at < 0 {
                        at as i32
                    } else {
                        0
                    }
                };
            }
            if r < 0 {
                return Err(MediaError::Read {
                    url: self.what.clone(),
                    source: ffmpeg_next::Error::from(r),
                });
            }
        }
        let params = self
            .input
            .stream(self.stream_index)
            .expect("stream")
            .parameters();
        self.decoder = VideoDecoder::for_recording(params)?;
        self.set_decimation(self.decimation);
        self.skip_before_ms = offset_ms;
        self.drained = false;
        Ok(())
    }

    /// `av_seek_frame` backwards to the keyframe at or before `ts` (the
    /// stream's time base); FFmpeg's result code.
    fn seek_frame(&mut self, ts: i64) -> i32 {
        // SAFETY: a valid format context, stream index in range.
        unsafe {
            ffmpeg_next::ffi::av_seek_frame(
                self.input.as_mut_ptr(),
                self.stream_index as i32,
                ts,
                ffmpeg_next::ffi::AVSEEK_FLAG_BACKWARD,
            )
        }
    }

    /// Reads packets (not decoded) until the stream's reach `ts` or the
    /// input ends, so a demuxer that indexes as it reads can seek there.
    fn index_up_to(&mut self, ts: i64) -> Result<(), MediaError> {
        let mut packet = Packet::empty();
        loop {
            self.activity.store(now_ms(), Ordering::Relaxed);
            match packet.read(&mut self.input) {
                Ok(()) => {
                    let reached = packet.stream() == self.stream_index
                        && packet.pts().or(packet.dts()).is_some_and(|p| p >= ts);
                    if reached {
                        return Ok(());
                    }
                }
                Err(ffmpeg_next::Error::Eof) => return Ok(()),
                Err(source) => {
                    return Err(MediaError::Read {
                        url: self.what.clone(),
                        source,
                    })
                }
            }
        }
    }

    /// Starts a network stream opened paused (RTSP `initial_pause`): PLAY,
    /// with the Range of the last seek.
    pub fn play(&mut self) -> Result<(), MediaError> {
        self.input.play().map_err(|source| MediaError::Read {
            url: self.what.clone(),
            source,
        })
    }

    pub fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        self.decoder.set_discard(match d {
            Decimation::All => AVDiscard::AVDISCARD_DEFAULT,
            Decimation::SkipNonRef => AVDiscard::AVDISCARD_NONREF,
            // non-key packets are not even sent (see next_frame); pre-roll
            // frames must still decode
            Decimation::KeyframesOnly => AVDiscard::AVDISCARD_DEFAULT,
        });
    }

    /// The next frame at or after the seek target; `None` at the end.
    pub fn next_frame(&mut self) -> Result<Option<RecordedFrame>, MediaError> {
        loop {
            if let Some((frame, mapped_ms, keyframe)) = self.decoder.receive()? {
                // the frame's own timestamp; the packet mapping is a fallback
                let offset_ms = frame
                    .timestamp()
                    .or(frame.pts())
                    .map_or(mapped_ms, |pts| self.to_ms(pts));
                if offset_ms < self.skip_before_ms {
                    continue;
                }
                return Ok(Some(RecordedFrame {
                    frame,
                    offset_ms,
                    keyframe,
                }));
            }
            if self.drained {
                return Ok(None);
            }
            self.activity.store(now_ms(), Ordering::Relaxed);
            let mut packet = Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => {
                    self.decoder.flush()?;
                    self.drained = true;
                    continue;
                }
                Err(ffmpeg_next::Error::Exit) => return Err(MediaError::Stopped),
                Err(source) => {
                    return Err(MediaError::Read {
                        url: self.what.clone(),
                        source,
                    })
                }
            }
            if packet.stream() != self.stream_index {
                continue;
            }
            let preroll = self.preroll_by_zero_duration
                && match self.preroll_pts {
                    Some(None) => {
                        self.preroll_pts = Some(packet.pts());
                        true
                    }
                    Some(shared) if shared == packet.pts() => true,
                    _ => {
                        self.preroll_pts = None;
                        false
                    }
                };
            if self.decimation == Decimation::KeyframesOnly && !packet.is_key() && !preroll {
                continue; // not even sent to the decoder
            }
            let Some(pts) = packet.pts().or(packet.dts()) else {
                continue;
            };
            self.decoder.send(&packet, self.to_ms(pts))?;
        }
    }
}

/// A pts in ms from `start_pts` in time base `num/den`; in 128 bits and
/// saturating, as a hostile file's pts and time base may be anything (the
/// caller bounds the resulting time).
fn pts_to_ms(pts: i64, start_pts: i64, num: i32, den: i32) -> i64 {
    let ms = ((i128::from(pts) - i128::from(start_pts)) * i128::from(num) * 1000)
        .div_euclid(i128::from(den).max(1));
    i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::pts_to_ms;

    #[test]
    fn hostile_pts_and_time_bases_saturate() {
        assert_eq!(pts_to_ms(180_000, 90_000, 1, 90_000), 1000);
        assert_eq!(pts_to_ms(i64::MAX, i64::MIN, i32::MAX, 1), i64::MAX);
        assert_eq!(pts_to_ms(i64::MIN, i64::MAX, i32::MAX, 1), i64::MIN);
        assert_eq!(
            pts_to_ms(i64::MAX, 0, 1, 0),
            i64::MAX,
            "no division by zero"
        );
        assert_eq!(
            pts_to_ms(5, 0, 1, i32::MIN),
            5000,
            "a negative base counts as 1"
        );
    }
}
