//! A live stream on our RTSP session: access units stamped with the
//! camera's capture time (RTCP sender reports through [`LiveClock`]) or,
//! flagged, the arrival time, with the camera clock's offset. Not yet the
//! ingest's default (FFmpeg's client is; docs/rtsp-client.md).
use super::depack::{AccessUnit, Depacketizer};
use super::rtp::{parse_rtcp, parse_rtp};
use super::session::{RtspError, Session};
use super::timing::{FrameTime, LiveClock};
use crate::media::source::{now_ms, StopFlag};

/// An access unit with its time.
#[derive(Debug, Clone)]
pub struct LiveUnit {
    pub unit: AccessUnit,
    pub time: FrameTime,
    pub arrival_ms: i64,
}

pub struct LiveStream {
    session: Session,
    depack: Depacketizer,
    clock: LiveClock,
    /// Arrival of the last RTP packet of the unit being built.
    last_arrival_ms: i64,
}

impl LiveStream {
    /// DESCRIBE, SETUP and PLAY `url` (which may carry credentials).
    pub fn open(url: &str, stop: StopFlag) -> Result<Self, RtspError> {
        Self::open_with(url, super::session::STALL, stop)
    }

    /// As [`Self::open`], failing with [`RtspError::Stalled`] after `stall`
    /// without anything from the server.
    pub fn open_with(
        url: &str,
        stall: std::time::Duration,
        stop: StopFlag,
    ) -> Result<Self, RtspError> {
        let mut session = Session::open(url, &[], stop)?;
        session.set_stall(stall);
        session.play(&[("Range", "npt=0.000-".to_string())])?;
        let video = session.video.clone();
        Ok(Self {
            depack: Depacketizer::new(video.codec, video.parameter_sets),
            clock: LiveClock::new(video.clock_rate),
            session,
            last_arrival_ms: now_ms(),
        })
    }

    pub fn codec(&self) -> super::sdp::Codec {
        self.session.video.codec
    }

    /// Workstation clock minus camera clock (ms, plus the smallest network
    /// delay seen), once a sender report came.
    pub fn camera_offset_ms(&self) -> Option<i64> {
        self.clock.offset_ms()
    }

    pub fn next_unit(&mut self) -> Result<LiveUnit, RtspError> {
        loop {
            if let Some(unit) = self.depack.pop() {
                let arrival_ms = self.last_arrival_ms;
                let time = self.clock.frame_time(unit.rtp_timestamp, arrival_ms);
                return Ok(LiveUnit {
                    unit,
                    time,
                    arrival_ms,
                });
            }
            let (channel, payload) = self.session.next_data()?;
            let rtp = self.session.rtp_channel;
            if channel == rtp {
                let Ok(p) = parse_rtp(&payload) else { continue };
                if p.payload_type != self.session.video.payload_type {
                    continue;
                }
                self.last_arrival_ms = now_ms();
                self.clock.mapping.set_ssrc(p.ssrc);
                self.depack.push(&p, None);
            } else if channel == rtp.wrapping_add(1) {
                if let Ok(rtcp) = parse_rtcp(&payload) {
                    for sr in &rtcp.reports {
                        self.clock.mapping.on_report(sr);
                    }
                }
            }
        }
    }
}
