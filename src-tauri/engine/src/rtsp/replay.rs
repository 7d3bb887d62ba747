//! ONVIF Profile G replay (ONVIF Streaming spec §6): `Require: onvif-replay`
//! on every request, `Range: clock=<UTC>-[<UTC>]`, `Rate-Control: no` (the
//! server sends as fast as TCP allows, the playback clock paces), `Scale`
//! for reverse, `Immediate: yes` to seek during play. Each access unit's
//! recording time is the replay header extension's NTP time (exact); without
//! it, an RTCP sender report's mapping, else the range start plus RTP time.
//! [`ReplayReader`] decodes with FFmpeg and drops the frames a seek's
//! keyframe lead-in decodes before the asked time, so seeks are exact.
//! Held while paused ([`RecordingReader::hold`]), it sends PAUSE, drops
//! what came before the answer, keeps the session alive at half its timeout
//! and, on the next read, PLAYs from just after the last frame it returned
//! (a clock range, exact like a seek: a resume without Range would depend on
//! the server keeping every packet across PAUSE; GStreamer's can lose one).
//!
//! The same session plays a recorder's own replay URL (Hikvision's
//! `/Streaming/tracks/`, Dahua's `cam/playback`: [`Dialect::Recorder`]):
//! the URL names the start, the PLAY asks `Range: npt=0.000-` as FFmpeg's
//! client did, and a frame's time is the URL's start plus its RTP offset
//! from the first unit (those servers' sender reports carry their own wall
//! clock, not the recording's time, so they are not used). Unlike FFmpeg's
//! client, the session's first packet keeps its timestamp, so the first
//! GOP is not lost.
//!
//! A replay URL that is one seekable recording ([`Dialect::Npt`], the
//! `rtsp-replay:` source) seeks with `Range: npt=`; the answer's `Range`
//! (where the server really started, a keyframe) and `RTP-Info` `rtptime`
//! anchor the RTP clock, so frame times are the recording's npt exactly.
use ffmpeg_next::ffi::AVDiscard;
use ffmpeg_next::{codec, packet, Packet};

use super::depack::{AccessUnit, Depacketizer};
use super::play_info;
use super::rtp::{parse_onvif_extension, parse_rtcp, parse_rtp};
use super::sdp::Codec;
use super::session::{RtspError, Session};
use super::timing::{rtp_delta_ms, SrMapping};
use crate::error::{ErrorKind, HasKind};
use crate::media::decode::VideoDecoder;
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;
use crate::playback::{bounds, Decimation, PlaybackError, ReadEvent, RecordingReader};

/// What to play.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayRequest {
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    /// 1.0 forward, -1.0 reverse; other values only where the server honours them.
    pub scale: f64,
    /// `Rate-Control: no` when false (ONVIF: mandatory for servers).
    pub rate_control: bool,
}

impl ReplayRequest {
    pub fn forward(start_ms: i64) -> Self {
        Self {
            start_ms,
            end_ms: None,
            scale: 1.0,
            rate_control: false,
        }
    }
}

/// `clock=YYYYMMDDThhmmss.fffZ-[end]` (RFC 2326 §3.7, UTC).
pub fn clock_range(start_ms: i64, end_ms: Option<i64>) -> String {
    let end = end_ms.map(clock_time).unwrap_or_default();
    format!("clock={}-{end}", clock_time(start_ms))
}

fn clock_time(ms: i64) -> String {
    let t = jiff::Timestamp::from_millisecond(ms.clamp(0, bounds::LATEST_MS))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    format!(
        "{}.{:03}Z",
        t.strftime("%Y%m%dT%H%M%S"),
        ms.rem_euclid(1000)
    )
}

/// Which replay protocol a session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// ONVIF Profile G: `Require: onvif-replay`, clock ranges, the
    /// header extension's times.
    Onvif,
    /// A recorder's replay URL whose query names the start (`request.start_ms`
    /// is that start): npt ranges, times from the RTP clock.
    Recorder,
    /// One seekable recording whose npt 0 is `origin_ms`: `Range: npt=`
    /// seeks, times from the PLAY answer's `Range` and `RTP-Info`.
    Npt { origin_ms: i64 },
}

/// An access unit with its recording time.
#[derive(Debug, Clone)]
pub struct TimedUnit {
    pub unit: AccessUnit,
    pub ts_ms: i64,
    /// From the ONVIF extension (exact), not derived.
    pub exact: bool,
}

/// The replay session's stream of timed access units.
pub struct ReplayStream {
    session: Session,
    dialect: Dialect,
    depack: Depacketizer,
    mapping: SrMapping,
    request: ReplayRequest,
    /// (RTP time, ms) of the first unit after the PLAY, for derived times.
    origin: Option<(u32, i64)>,
    received: u64,
    ended: bool,
    /// The CSeq byte of the PLAY before the current one.
    previous_play: Option<u8>,
    /// PAUSE sent, no PLAY since.
    paused: bool,
    /// (RTP time, ms) the PLAY answer stated ([`Dialect::Npt`]).
    anchor: Option<(u32, i64)>,
}

const REQUIRE: (&str, &str) = ("Require", "onvif-replay");

impl ReplayStream {
    /// DESCRIBE, SETUP and PLAY `request` on an ONVIF replay URI (which may
    /// carry credentials).
    pub fn open(url: &str, request: ReplayRequest, stop: StopFlag) -> Result<Self, RtspError> {
        Self::open_dialect(url, Dialect::Onvif, request, stop)
    }

    /// DESCRIBE, SETUP and PLAY a seekable recording whose npt 0 is
    /// `origin_ms`, from `start_ms` (see [`Dialect::Npt`]).
    pub fn open_npt(
        url: &str,
        origin_ms: i64,
        start_ms: i64,
        stop: StopFlag,
    ) -> Result<Self, RtspError> {
        Self::open_dialect(
            url,
            Dialect::Npt { origin_ms },
            ReplayRequest::forward(start_ms),
            stop,
        )
    }

    pub(crate) fn open_dialect(
        url: &str,
        dialect: Dialect,
        request: ReplayRequest,
        stop: StopFlag,
    ) -> Result<Self, RtspError> {
        let extra = match dialect {
            Dialect::Onvif => vec![(REQUIRE.0, REQUIRE.1.to_string())],
            Dialect::Recorder | Dialect::Npt { .. } => Vec::new(),
        };
        let session = Session::open(url, &extra, stop)?;
        let video = session.video.clone();
        let mut s = Self {
            dialect,
            depack: Depacketizer::new(video.codec, video.parameter_sets.clone()),
            mapping: SrMapping::new(video.clock_rate),
            session,
            request,
            origin: None,
            received: 0,
            ended: false,
            previous_play: None,
            paused: false,
            anchor: None,
        };
        s.play(request, false)?;
        Ok(s)
    }

    pub fn codec(&self) -> Codec {
        self.session.video.codec
    }

    /// PLAY `request`; `immediate` during playback (a seek). Units of the
    /// previous PLAY still in flight are dropped by the extension's CSeq
    /// byte; a server that leaves it 0 (GStreamer's) and sets no D bit gives
    /// no way to tell them apart, so [`ReplayReader::seek`] reopens instead.
    pub fn play(&mut self, request: ReplayRequest, immediate: bool) -> Result<(), RtspError> {
        let mut headers = match self.dialect {
            Dialect::Onvif => vec![
                (REQUIRE.0, REQUIRE.1.to_string()),
                ("Range", clock_range(request.start_ms, request.end_ms)),
            ],
            Dialect::Recorder => vec![("Range", "npt=0.000-".to_string())],
            Dialect::Npt { origin_ms } => {
                let npt = request.start_ms.saturating_sub(origin_ms).max(0);
                vec![("Range", format!("npt={}.{:03}-", npt / 1000, npt % 1000))]
            }
        };
        if !request.rate_control && self.dialect == Dialect::Onvif {
            headers.push(("Rate-Control", "no".into()));
        }
        if request.scale != 1.0 {
            headers.push(("Scale", format!("{:.3}", request.scale)));
        }
        if immediate {
            headers.push(("Immediate", "yes".into()));
        }
        if self.session.play_cseq != 0 {
            self.previous_play = Some((self.session.play_cseq & 0xff) as u8);
        }
        let answer = self.session.play(&headers)?;
        self.anchor = match self.dialect {
            Dialect::Npt { origin_ms } => self.play_anchor(&answer, origin_ms, request.start_ms),
            _ => None,
        };
        self.paused = false;
        self.request = request;
        self.depack.reset();
        self.origin = None;
        self.ended = false;
        Ok(())
    }

    /// PAUSE (once, unless the footage has ended); what the server sent
    /// before the answer is dropped (the resume asks again from a time, see
    /// [`Self::resume_from`]).
    pub fn pause(&mut self) -> Result<(), RtspError> {
        if !self.paused && !self.ended {
            self.session.pause()?;
            self.session.discard_data();
            self.depack.reset();
            self.paused = true;
        }
        Ok(())
    }

    /// Where a PLAY answer says the stream starts: (its `rtptime`, the
    /// recording time of the answer's `Range` start, else the asked one).
    fn play_anchor(
        &self,
        answer: &super::message::Response,
        origin_ms: i64,
        asked_ms: i64,
    ) -> Option<(u32, i64)> {
        let rtptime = answer
            .header("RTP-Info")
            .and_then(|v| play_info::rtp_info_rtptime(v, self.session.video.control.as_deref()))?;
        let start = answer
            .header("Range")
            .and_then(play_info::npt_range)
            .and_then(|(s, _)| origin_ms.checked_add(s))
            .unwrap_or(asked_ms);
        Some((rtptime, start))
    }

    /// The sender's wall time of an RTP time, once a sender report came.
    pub fn sender_ms(&self, rtp_timestamp: u32) -> Option<i64> {
        self.mapping.wall_ms(rtp_timestamp)
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// While paused: the session's keepalive if due (see
    /// [`Session::keep_alive_if_due`]); whether one went out.
    pub fn keep_alive(&mut self) -> Result<bool, RtspError> {
        let sent = self.session.keep_alive_if_due()?;
        if self.paused {
            self.session.discard_data();
        }
        Ok(sent)
    }

    /// After [`Self::pause`]: PLAY the same request again from `start_ms`.
    pub fn resume_from(&mut self, start_ms: i64) -> Result<(), RtspError> {
        if self.paused {
            self.play(
                ReplayRequest {
                    start_ms,
                    ..self.request
                },
                false,
            )?;
        }
        Ok(())
    }

    /// The next access unit with its time; `None` at the end of the footage
    /// (T bit, RTCP BYE, or the server falling silent after sending some).
    pub fn next_unit(&mut self) -> Result<Option<TimedUnit>, RtspError> {
        loop {
            while let Some(unit) = self.depack.pop() {
                // data of the previous PLAY still in flight after a seek
                // (servers that leave the CSeq byte at 0 are not filtered)
                let current = (self.session.play_cseq & 0xff) as u8;
                if unit
                    .onvif
                    .is_some_and(|e| Some(e.cseq) == self.previous_play && e.cseq != current)
                {
                    continue;
                }
                if unit.onvif.is_some_and(|e| e.terminal) {
                    self.ended = true;
                }
                return Ok(Some(self.timed(unit)));
            }
            if self.ended {
                return Ok(None);
            }
            let (channel, payload) = match self.session.next_data() {
                Ok(d) => d,
                Err(RtspError::Stalled { .. } | RtspError::Closed { .. }) if self.received > 0 => {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            };
            let rtp = self.session.rtp_channel;
            if channel == rtp {
                let Ok(p) = parse_rtp(&payload) else { continue };
                if p.payload_type != self.session.video.payload_type {
                    continue;
                }
                self.received += 1;
                self.mapping.set_ssrc(p.ssrc);
                let ext = p
                    .extension
                    .and_then(|(prof, d)| parse_onvif_extension(prof, d));
                self.depack.push(&p, ext);
            } else if channel == rtp.wrapping_add(1) {
                if let Ok(rtcp) = parse_rtcp(&payload) {
                    for sr in &rtcp.reports {
                        self.mapping.on_report(sr);
                    }
                    if rtcp.bye && self.received > 0 {
                        self.ended = true;
                    }
                }
            }
        }
    }

    fn timed(&mut self, unit: AccessUnit) -> TimedUnit {
        if let Some(ms) = unit.onvif.and_then(|e| e.unix_ms()) {
            return TimedUnit {
                unit,
                ts_ms: ms,
                exact: true,
            };
        }
        let reported = match (self.dialect, self.anchor) {
            (Dialect::Onvif, _) => self.mapping.wall_ms(unit.rtp_timestamp),
            (Dialect::Npt { .. }, Some((rtp0, ms0))) => Some(ms0.saturating_add(rtp_delta_ms(
                rtp0,
                unit.rtp_timestamp,
                self.session.video.clock_rate,
            ))),
            _ => None,
        };
        let ts_ms = match reported {
            Some(ms) => ms,
            None => {
                let (rtp0, ms0) = *self
                    .origin
                    .get_or_insert((unit.rtp_timestamp, self.request.start_ms));
                let d = rtp_delta_ms(rtp0, unit.rtp_timestamp, self.session.video.clock_rate);
                if self.request.scale < 0.0 {
                    ms0 - d
                } else {
                    ms0 + d
                }
            }
        };
        TimedUnit {
            unit,
            ts_ms,
            exact: false,
        }
    }
}

/// Frames of an ONVIF replay from a point in time, decoded.
pub struct ReplayReader {
    /// The replay URI (with credentials: never shown).
    url: String,
    stream: ReplayStream,
    decoder: VideoDecoder,
    decimation: Decimation,
    skip_before_ms: i64,
    /// The time of the last frame returned (a resume continues after it).
    last_ms: Option<i64>,
    drained: bool,
    stop: StopFlag,
}

impl ReplayReader {
    /// Plays forward from `t_ms`; the first frame returned is the first at
    /// or after `t_ms`.
    pub fn open(
        url: &str,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Self, PlaybackError> {
        Self::open_dialect(url, Dialect::Onvif, (t_ms, t_ms), decimation, stop)
    }

    /// A recorder's replay URL whose query starts the footage at
    /// `start_ms`; the first frame returned is the first at or after
    /// `from_ms`. Seeks are new URLs (a new reader); a pause is left to TCP
    /// (those servers' PAUSE/PLAY without a range is not relied upon).
    pub fn open_recorder(
        url: &str,
        start_ms: i64,
        from_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Self, PlaybackError> {
        let at = (start_ms, from_ms);
        Self::open_dialect(url, Dialect::Recorder, at, decimation, stop)
    }

    /// A seekable recording (npt 0 = `origin_ms`) from `t_ms`; the first
    /// frame returned is the first at or after `t_ms`.
    pub fn open_npt(
        url: &str,
        origin_ms: i64,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Self, PlaybackError> {
        let dialect = Dialect::Npt { origin_ms };
        Self::open_dialect(url, dialect, (t_ms, t_ms), decimation, stop)
    }

    /// A session of `dialect` PLAYing from `start_ms`, returning frames
    /// from `from_ms`: `(start_ms, from_ms)`.
    fn open_dialect(
        url: &str,
        dialect: Dialect,
        (start_ms, from_ms): (i64, i64),
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Self, PlaybackError> {
        let request = ReplayRequest::forward(start_ms);
        let stream = ReplayStream::open_dialect(url, dialect, request, stop.clone())
            .map_err(playback_error)?;
        Self::with_stream(url, stream, from_ms, decimation, stop)
    }

    fn with_stream(
        url: &str,
        stream: ReplayStream,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Self, PlaybackError> {
        let id = match stream.codec() {
            Codec::H264 => codec::Id::H264,
            Codec::H265 => codec::Id::HEVC,
        };
        crate::media::init();
        let decoder = VideoDecoder::for_codec(id)?;
        let mut r = Self {
            url: url.to_string(),
            stream,
            decoder,
            decimation,
            skip_before_ms: t_ms,
            last_ms: None,
            drained: false,
            stop,
        };
        r.set_decimation(decimation);
        Ok(r)
    }

    /// Seeks, exact to the frame: a new session from `t_ms` (so nothing
    /// of the old position can arrive after the jump). A recorder's URL
    /// names its start, so there the session starts over and skips to `t_ms`.
    pub fn seek(&mut self, t_ms: i64) -> Result<(), PlaybackError> {
        let dialect = self.stream.dialect;
        let start = match dialect {
            Dialect::Recorder => self.stream.request.start_ms,
            _ => t_ms,
        };
        self.stream = ReplayStream::open_dialect(
            &self.url,
            dialect,
            ReplayRequest::forward(start),
            self.stop.clone(),
        )
        .map_err(playback_error)?;
        self.restart_at(t_ms)
    }

    /// After the stream was paused: PLAYs from just after the last frame
    /// returned, the decoder starting afresh at the lead-in's keyframe.
    fn resume(&mut self) -> Result<(), PlaybackError> {
        let from = self
            .last_ms
            .map_or(self.skip_before_ms, |t| t.saturating_add(1));
        self.stream.resume_from(from).map_err(playback_error)?;
        self.restart_at(from)
    }

    /// A new decoder for frames from `t_ms` (those before are dropped).
    fn restart_at(&mut self, t_ms: i64) -> Result<(), PlaybackError> {
        let id = match self.stream.codec() {
            Codec::H264 => codec::Id::H264,
            Codec::H265 => codec::Id::HEVC,
        };
        self.decoder = VideoDecoder::for_codec(id)?;
        self.set_decimation(self.decimation);
        self.skip_before_ms = t_ms;
        self.drained = false;
        Ok(())
    }
}

impl RecordingReader for ReplayReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped.into());
            }
            if self.stream.is_paused() {
                self.resume()?;
            }
            if let Some((frame, ts_ms, keyframe)) = self.decoder.receive()? {
                if ts_ms < self.skip_before_ms {
                    continue;
                }
                self.last_ms = Some(ts_ms);
                return Ok(ReadEvent::Frame(DecodedFrame {
                    frame,
                    ts_ms,
                    keyframe,
                }));
            }
            if self.drained {
                return Ok(ReadEvent::End);
            }
            match self.stream.next_unit().map_err(playback_error)? {
                Some(u) => {
                    if !bounds::in_bounds(u.ts_ms) {
                        continue;
                    }
                    if self.decimation == Decimation::KeyframesOnly && !u.unit.keyframe {
                        continue;
                    }
                    let mut p = Packet::copy(&u.unit.data);
                    p.set_pts(Some(u.ts_ms));
                    p.set_dts(Some(u.ts_ms));
                    if u.unit.keyframe {
                        p.set_flags(packet::Flags::KEY);
                    }
                    self.decoder.send(&p, u.ts_ms)?;
                }
                None => {
                    self.decoder.flush()?;
                    self.drained = true;
                }
            }
        }
    }

    /// Paused: PAUSE once, then keepalives when due (the next read
    /// resumes). ONVIF replay only: the other dialects leave a pause to TCP
    /// flow control, as FFmpeg's client did.
    fn hold(&mut self) -> Result<(), PlaybackError> {
        if self.drained || self.stream.dialect != Dialect::Onvif {
            return Ok(());
        }
        self.stream.pause().map_err(playback_error)?;
        self.stream.keep_alive().map_err(playback_error)?;
        Ok(())
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        self.decoder.set_discard(match d {
            Decimation::SkipNonRef => AVDiscard::AVDISCARD_NONREF,
            _ => AVDiscard::AVDISCARD_DEFAULT,
        });
    }
}

/// An RTSP failure as a playback error (a refused login is never retried).
pub fn playback_error(e: RtspError) -> PlaybackError {
    match e {
        RtspError::Stopped => PlaybackError::Media(MediaError::Stopped),
        RtspError::AuthFailed { .. } | RtspError::Auth { .. } => PlaybackError::Refused {
            source_name: "rtsp replay".into(),
            kind: ErrorKind::AuthFailed,
            reason: e.to_string(),
        },
        e => PlaybackError::Source {
            source_name: "rtsp replay".into(),
            reason: e.to_string(),
        },
    }
}

impl HasKind for RtspError {
    fn kind(&self) -> ErrorKind {
        match self {
            RtspError::BadUrl(_) => ErrorKind::InvalidInput,
            RtspError::AuthFailed { .. } | RtspError::Auth { .. } => ErrorKind::AuthFailed,
            RtspError::Connect { .. }
            | RtspError::Io { .. }
            | RtspError::Closed { .. }
            | RtspError::Stalled { .. } => ErrorKind::Unreachable,
            RtspError::Status { status: 551, .. } => ErrorKind::Unsupported,
            RtspError::Message { .. } | RtspError::Sdp { .. } | RtspError::Status { .. } => {
                ErrorKind::Protocol
            }
            RtspError::Stopped => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_ranges() {
        assert_eq!(
            clock_range(1_767_225_600_123, None),
            "clock=20260101T000000.123Z-"
        );
        assert_eq!(
            clock_range(1_767_225_600_000, Some(1_767_225_610_500)),
            "clock=20260101T000000.000Z-20260101T000010.500Z"
        );
    }
}
