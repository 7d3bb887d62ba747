//! A live stream on our RTSP session: access units stamped with the
//! camera's capture time (RTCP sender reports through [`LiveClock`]) or,
//! flagged, the arrival time, with the camera clock's offset. RTP comes over
//! TCP interleaved or UDP; `auto` tries UDP and falls back to TCP when the
//! server refuses it or nothing arrives within [`UDP_PROBE`]
//! (docs/rtsp-client.md).
use std::time::Duration;

use super::depack::{AccessUnit, Depacketizer};
use super::rtp::{parse_rtcp, parse_rtp};
use super::session::{Lower, RtspError, Session, UdpStats};
use super::timing::{FrameTime, LiveClock};
use crate::media::rtsp_input::Transport;
use crate::media::source::{now_ms, StopFlag};

/// With `auto`, how long UDP may stay silent after PLAY before the stream
/// is reopened over TCP interleaved.
pub const UDP_PROBE: Duration = Duration::from_secs(3);

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
        Self::open_over(url, Transport::Tcp, stall, stop)
    }

    /// As [`Self::open_with`] over `transport`: TCP interleaved, UDP only,
    /// or (`auto`) UDP with TCP as the fallback when the SETUP is refused
    /// (461 and the like) or no datagram comes within [`UDP_PROBE`].
    pub fn open_over(
        url: &str,
        transport: Transport,
        stall: Duration,
        stop: StopFlag,
    ) -> Result<Self, RtspError> {
        match transport {
            Transport::Tcp => Self::start(url, Lower::Tcp, false, stall, stop),
            Transport::Udp => Self::start(url, Lower::Udp, false, stall, stop),
            Transport::Auto => {
                match Self::start(url, Lower::Udp, true, stall.min(UDP_PROBE), stop.clone()) {
                    Ok(mut s) if s.session.lower() == Lower::Tcp => {
                        s.session.set_stall(stall);
                        Ok(s)
                    }
                    Ok(mut s) => match s.probe_udp(stall) {
                        Ok(()) => Ok(s),
                        Err(RtspError::Stalled { .. }) => {
                            drop(s);
                            tracing::info!(
                                url = %crate::secrets::redact::redact_url(url),
                                "nothing over UDP within {} s: RTSP over TCP",
                                UDP_PROBE.as_secs()
                            );
                            Self::start(url, Lower::Tcp, false, stall, stop)
                        }
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                }
            }
        }
    }

    fn start(
        url: &str,
        lower: Lower,
        tcp_if_refused: bool,
        stall: Duration,
        stop: StopFlag,
    ) -> Result<Self, RtspError> {
        let mut session = Session::open_with_fallback(url, &[], stop, lower, tcp_if_refused)?;
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

    /// Waits up to [`UDP_PROBE`] for the first datagram (kept for
    /// [`Self::next_unit`]), then sets the stall window to `stall`.
    fn probe_udp(&mut self, stall: Duration) -> Result<(), RtspError> {
        self.session.set_stall(UDP_PROBE);
        let (channel, payload) = self.session.next_data()?;
        self.session.unread(channel, payload);
        self.session.set_stall(stall);
        Ok(())
    }

    /// The transport the stream runs on.
    pub fn lower(&self) -> Lower {
        self.session.lower()
    }

    /// Packets received and lost over UDP (None over TCP).
    pub fn udp_stats(&self) -> Option<UdpStats> {
        self.session.udp_stats()
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
