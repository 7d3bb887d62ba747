//! One RTSP/1.0 session: DESCRIBE (with authentication), SETUP of the video
//! media with RTP/RTCP over TCP interleaved or over a pair of UDP ports
//! ([`Lower`], [`super::udp`]), PLAY/PAUSE with any extra headers (Range,
//! Scale, Require, Rate-Control, Immediate), keepalives (and RTCP receiver
//! reports over UDP) and TEARDOWN. Blocking sockets with short read
//! timeouts, so a stop flag and a stall deadline are honoured; replies are
//! read in-band between interleaved data, or polled between UDP packets.
//! Keepalives go out at half the session timeout from the read loops, and
//! from [`Session::keep_alive_if_due`] while nobody reads (a paused replay),
//! which waits for the answer and keeps the data that comes before it.
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::auth::Auth;
pub use super::error::{refuses_transport, RtspError};
use super::message::{parse_item, parse_session, Item, Response};
use super::rtp::{parse_rtcp, parse_rtp};
use super::sdp::{self, Sdp, SdpError, VideoMedia};
pub use super::target::Target;
use super::udp::{parse_transport, receiver_report, Reorder, ReportBlock, UdpPair};
use crate::media::source::StopFlag;
use crate::secrets::redact::redact_url;

/// How long the server may stay silent before the session counts as stalled.
pub const STALL: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(200);
/// How long one UDP read waits (the control connection is polled between).
const UDP_WAIT: Duration = Duration::from_millis(50);
/// RTCP receiver reports over UDP (RFC 3550's minimum interval).
const RR_INTERVAL: Duration = Duration::from_secs(5);

/// How RTP and RTCP reach us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lower {
    /// Interleaved on the RTSP connection (`RTP/AVP/TCP;interleaved=0-1`).
    Tcp,
    /// A pair of local UDP ports (`RTP/AVP;unicast;client_port=a-b`).
    Udp,
}

/// The UDP side of a session.
struct UdpState {
    pair: UdpPair,
    /// Data is taken only from the RTSP peer (or the SETUP's `source=`).
    peer: IpAddr,
    source: Option<IpAddr>,
    server_rtcp: Option<SocketAddr>,
    reorder: Reorder,
    own_ssrc: u32,
    media_ssrc: Option<u32>,
    /// Middle 32 bits of the last sender report's NTP time, and when it came.
    last_sr: Option<(u32, Instant)>,
    last_rr: Option<Instant>,
    last_control: Instant,
    /// (expected, received) at the last receiver report.
    prior: (u64, u64),
    reported_lost: u64,
    scratch: Vec<u8>,
}

/// Packet counts of a UDP session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UdpStats {
    pub received: u64,
    pub lost: u64,
    pub late_or_duplicate: u64,
}
const USER_AGENT: &str = concat!("Vigil/", env!("CARGO_PKG_VERSION"));

pub struct Session {
    stream: TcpStream,
    /// Bytes read and not yet parsed start at `consumed` (items are taken
    /// by moving the cursor; the buffer is compacted once per read).
    buf: Vec<u8>,
    consumed: usize,
    /// Where reads land (allocated once: a zeroed 64 KiB array per read
    /// cost more than the read).
    scratch: Box<[u8]>,
    cseq: u32,
    pub target: Target,
    auth: Auth,
    session: Option<(String, u64)>,
    pub sdp: Sdp,
    pub video: VideoMedia,
    /// The base for relative control URLs (Content-Base).
    base: String,
    /// Interleaved channel of the video's RTP (RTCP is this + 1).
    pub rtp_channel: u8,
    data: VecDeque<(u8, Vec<u8>)>,
    last_keepalive: Instant,
    last_received: Instant,
    keepalive_method: &'static str,
    stop: StopFlag,
    /// The CSeq of the last PLAY.
    pub play_cseq: u32,
    /// Silence after which the session counts as stalled.
    stall: Duration,
    udp: Option<UdpState>,
}

impl Session {
    /// Connects, DESCRIBEs and SETs UP the first H.264/H.265 video media
    /// over TCP interleaved; `extra` headers go on DESCRIBE and SETUP too.
    pub fn open(url: &str, extra: &[(&str, String)], stop: StopFlag) -> Result<Self, RtspError> {
        Self::open_over(url, extra, stop, Lower::Tcp)
    }

    /// As [`Self::open`], asking for `lower` transport. A server that
    /// answers a UDP SETUP with an interleaved transport gets TCP; one that
    /// refuses UDP fails with [`RtspError::Status`] (461: the caller may
    /// retry over TCP).
    pub fn open_over(
        url: &str,
        extra: &[(&str, String)],
        stop: StopFlag,
        lower: Lower,
    ) -> Result<Self, RtspError> {
        Self::open_with_fallback(url, extra, stop, lower, false)
    }

    /// As [`Self::open_over`]; with `tcp_if_refused`, a UDP SETUP the server
    /// refuses ([`refuses_transport`]) is asked again over TCP interleaved
    /// on the same connection (some servers answer a new DESCRIBE 503
    /// while the refused media is torn down).
    pub fn open_with_fallback(
        url: &str,
        extra: &[(&str, String)],
        stop: StopFlag,
        lower: Lower,
        tcp_if_refused: bool,
    ) -> Result<Self, RtspError> {
        let target = Target::parse(url)?;
        let shown = redact_url(&target.url);
        let addr = (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(|source| RtspError::Connect {
                url: shown.clone(),
                source,
            })?
            .next()
            .ok_or_else(|| RtspError::BadUrl(shown.clone()))?;
        let stream =
            TcpStream::connect_timeout(&addr, STALL).map_err(|source| RtspError::Connect {
                url: shown.clone(),
                source,
            })?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(POLL))
            .and_then(|_| stream.set_write_timeout(Some(STALL)))
            .map_err(|source| RtspError::Io {
                url: shown.clone(),
                source,
            })?;
        let mut s = Self {
            stream,
            buf: Vec::with_capacity(256 * 1024),
            consumed: 0,
            scratch: vec![0u8; 64 * 1024].into_boxed_slice(),
            cseq: 0,
            auth: Auth::new(target.credentials.clone()),
            base: target.url.clone(),
            target,
            session: None,
            sdp: Sdp::default(),
            video: VideoMedia {
                payload_type: 0,
                codec: sdp::Codec::H264,
                clock_rate: 90_000,
                control: None,
                parameter_sets: Vec::new(),
                onvif_track: None,
            },
            rtp_channel: 0,
            data: VecDeque::new(),
            last_keepalive: Instant::now(),
            last_received: Instant::now(),
            keepalive_method: "GET_PARAMETER",
            stop,
            play_cseq: 0,
            stall: STALL,
            udp: None,
        };
        let mut headers = vec![("Accept", "application/sdp".to_string())];
        headers.extend(extra.iter().cloned());
        let url = s.target.url.clone();
        let r = s.request("DESCRIBE", &url, &headers)?;
        if let Some(b) = r.header("Content-Base").or(r.header("Content-Location")) {
            s.base = b.to_string();
        }
        let text = String::from_utf8_lossy(&r.body).into_owned();
        s.sdp = sdp::parse(&text).map_err(|source| RtspError::Sdp {
            url: s.shown(),
            source,
        })?;
        s.video = s.sdp.video.clone().ok_or_else(|| RtspError::Sdp {
            url: s.shown(),
            source: SdpError::NoVideo,
        })?;
        let base = match s.sdp.control.as_deref() {
            Some(c) if c != "*" => sdp::control_url(&s.base, Some(c)),
            _ => s.base.clone(),
        };
        let setup_url = sdp::control_url(&base, s.video.control.as_deref());
        let pair = match lower {
            Lower::Tcp => None,
            Lower::Udp => Some(
                UdpPair::bind(addr.is_ipv6()).map_err(|source| RtspError::Io {
                    url: s.shown(),
                    source,
                })?,
            ),
        };
        let transport = match &pair {
            None => "RTP/AVP/TCP;unicast;interleaved=0-1".to_string(),
            Some(p) => {
                let (a, b) = p.ports();
                format!("RTP/AVP;unicast;client_port={a}-{b}")
            }
        };
        let mut headers = vec![("Transport", transport)];
        headers.extend(extra.iter().cloned());
        let (r, pair) = match s.request("SETUP", &setup_url, &headers) {
            Ok(r) => (r, pair),
            // refused UDP: TCP interleaved on the same connection
            Err(RtspError::Status { status, .. })
                if pair.is_some() && tcp_if_refused && refuses_transport(status) =>
            {
                tracing::info!(url = %s.shown(), "the server refused RTP over UDP ({status}): RTSP over TCP");
                headers[0].1 = "RTP/AVP/TCP;unicast;interleaved=0-1".to_string();
                (s.request("SETUP", &setup_url, &headers)?, None)
            }
            Err(e) => return Err(e),
        };
        let session = r.header("Session").ok_or_else(|| RtspError::Status {
            url: s.shown(),
            method: "SETUP".into(),
            status: r.status,
            reason: "no Session header".into(),
            unsupported: None,
        })?;
        s.session = Some(parse_session(session));
        let reply = parse_transport(r.header("Transport").unwrap_or_default());
        if let Some(ch) = reply.interleaved {
            s.rtp_channel = ch;
        } else if let Some(pair) = pair {
            pair.set_timeouts(UDP_WAIT)
                .map_err(|source| RtspError::Io {
                    url: s.shown(),
                    source,
                })?;
            s.udp = Some(UdpState {
                pair,
                peer: addr.ip(),
                source: reply.source,
                server_rtcp: reply
                    .server_ports
                    .map(|(_, rtcp)| SocketAddr::new(reply.source.unwrap_or(addr.ip()), rtcp)),
                reorder: Reorder::default(),
                own_ssrc: std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish() as u32,
                media_ssrc: reply.ssrc,
                last_sr: None,
                last_rr: None,
                last_control: Instant::now(),
                prior: (0, 0),
                reported_lost: 0,
                scratch: vec![0; 65_536],
            });
        }
        Ok(s)
    }

    /// The transport the server agreed to.
    pub fn lower(&self) -> Lower {
        if self.udp.is_some() {
            Lower::Udp
        } else {
            Lower::Tcp
        }
    }

    /// Packet counts over UDP (None over TCP).
    pub fn udp_stats(&self) -> Option<UdpStats> {
        self.udp.as_ref().map(|u| UdpStats {
            received: u.reorder.received,
            lost: u.reorder.lost,
            late_or_duplicate: u.reorder.dropped,
        })
    }

    /// Drops the data received but not yet taken (what a paused server
    /// sent before its answer).
    pub fn discard_data(&mut self) {
        self.data.clear();
    }

    /// Puts data back to be returned first by [`Self::next_data`].
    pub fn unread(&mut self, channel: u8, payload: Vec<u8>) {
        self.data.push_front((channel, payload));
    }

    fn shown(&self) -> String {
        redact_url(&self.target.url)
    }

    /// The aggregate URL PLAY/PAUSE/TEARDOWN name.
    fn aggregate_url(&self) -> String {
        match self.sdp.control.as_deref() {
            Some(c) if c != "*" => sdp::control_url(&self.base, Some(c)),
            _ => self.base.clone(),
        }
    }

    /// PLAY with `headers` (Range, Scale, ...); returns the answer.
    pub fn play(&mut self, headers: &[(&str, String)]) -> Result<Response, RtspError> {
        let url = self.aggregate_url();
        let r = self.request("PLAY", &url, headers)?;
        self.play_cseq = self.cseq;
        Ok(r)
    }

    pub fn pause(&mut self) -> Result<Response, RtspError> {
        let url = self.aggregate_url();
        self.request("PAUSE", &url, &[])
    }

    /// TEARDOWN, best effort (the connection closes anyway).
    pub fn teardown(&mut self) {
        let url = self.aggregate_url();
        let _ = self.send("TEARDOWN", &url, &[]);
        self.session = None;
    }

    fn send(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<u32, RtspError> {
        self.cseq += 1;
        let mut msg = format!(
            "{method} {url} RTSP/1.0\r\nCSeq: {}\r\nUser-Agent: {USER_AGENT}\r\n",
            self.cseq
        );
        if let Some((id, _)) = &self.session {
            msg.push_str(&format!("Session: {id}\r\n"));
        }
        if let Some(a) = self.auth.authorization(method, url) {
            msg.push_str(&format!("Authorization: {a}\r\n"));
        }
        for (k, v) in headers {
            msg.push_str(&format!("{k}: {v}\r\n"));
        }
        msg.push_str("\r\n");
        self.stream
            .write_all(msg.as_bytes())
            .map_err(|source| RtspError::Io {
                url: redact_url(&self.target.url),
                source,
            })?;
        Ok(self.cseq)
    }

    /// Sends a request and waits for its answer (data read meanwhile is
    /// queued); answers a 401 once with the challenge.
    pub fn request(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<Response, RtspError> {
        for attempt in 0..2 {
            let cseq = self.send(method, url, headers)?;
            // silence counts from the request (a paused server sends nothing)
            self.last_received = Instant::now();
            let r = self.wait_response(cseq)?;
            if r.status == 401 && attempt == 0 {
                if self.auth.has_challenge()
                    && !r
                        .headers_named("WWW-Authenticate")
                        .any(|h| h.to_ascii_lowercase().contains("stale=true"))
                {
                    return Err(RtspError::AuthFailed { url: self.shown() });
                }
                self.auth
                    .on_challenge(r.headers_named("WWW-Authenticate"))
                    .map_err(|source| RtspError::Auth {
                        url: self.shown(),
                        source,
                    })?;
                continue;
            }
            if r.status == 401 {
                return Err(RtspError::AuthFailed { url: self.shown() });
            }
            if !(200..300).contains(&r.status) {
                return Err(RtspError::Status {
                    url: self.shown(),
                    method: method.to_string(),
                    status: r.status,
                    reason: r.reason.chars().take(80).collect(),
                    unsupported: r
                        .header("Unsupported")
                        .map(|u| u.chars().take(80).collect()),
                });
            }
            return Ok(r);
        }
        Err(RtspError::AuthFailed { url: self.shown() })
    }

    fn wait_response(&mut self, cseq: u32) -> Result<Response, RtspError> {
        loop {
            match self.read_item()? {
                Item::Response(r) if r.cseq().is_none_or(|c| c == cseq) => return Ok(r),
                Item::Response(_) | Item::Request { .. } => {}
                Item::Data { channel, payload } => {
                    // keep a bounded backlog while waiting
                    if self.data.len() < 4096 {
                        self.data.push_back((channel, payload));
                    }
                }
            }
        }
    }

    /// The next interleaved data (channel, payload); sends keepalives at
    /// half the session timeout and skips stray replies.
    pub fn next_data(&mut self) -> Result<(u8, Vec<u8>), RtspError> {
        if let Some(d) = self.data.pop_front() {
            return Ok(d);
        }
        if self.udp.is_some() {
            return self.next_udp_data();
        }
        loop {
            self.keepalive()?;
            match self.read_item()? {
                Item::Data { channel, payload } => return Ok((channel, payload)),
                Item::Response(r) => {
                    // a server without GET_PARAMETER gets OPTIONS
                    if matches!(r.status, 405 | 501) {
                        self.keepalive_method = "OPTIONS";
                    }
                }
                Item::Request { .. } => {}
            }
        }
    }

    /// The next RTP (in sequence order) or RTCP datagram from the server,
    /// as (channel, payload) like interleaved data; polls the control
    /// connection for replies and sends receiver reports on the way.
    fn next_udp_data(&mut self) -> Result<(u8, Vec<u8>), RtspError> {
        let (rtp_ch, rtcp_ch) = (self.rtp_channel, self.rtp_channel.wrapping_add(1));
        loop {
            let Some(u) = self.udp.as_mut() else {
                return Err(RtspError::Closed { url: self.shown() });
            };
            if let Some(p) = u.reorder.pop() {
                return Ok((rtp_ch, p));
            }
            if self.stop.is_stopped() {
                return Err(RtspError::Stopped);
            }
            self.keepalive()?;
            self.udp_housekeeping()?;
            let Some(u) = self.udp.as_mut() else {
                continue;
            };
            let accepted = |from: &SocketAddr, u: &UdpState| {
                from.ip() == u.peer || Some(from.ip()) == u.source
            };
            if let Ok((n, from)) = u.pair.rtcp.recv_from(&mut u.scratch) {
                if accepted(&from, u) {
                    self.last_received = Instant::now();
                    let payload = u.scratch[..n].to_vec();
                    if let Ok(rtcp) = parse_rtcp(&payload) {
                        for sr in &rtcp.reports {
                            if u.media_ssrc.is_none_or(|s| s == sr.ssrc) {
                                u.last_sr = Some(((sr.ntp >> 16) as u32, Instant::now()));
                            }
                        }
                    }
                    return Ok((rtcp_ch, payload));
                }
            }
            match u.pair.rtp.recv_from(&mut u.scratch) {
                Ok((n, from)) if accepted(&from, u) => {
                    self.last_received = Instant::now();
                    if let Ok(p) = parse_rtp(&u.scratch[..n]) {
                        u.media_ssrc = Some(p.ssrc);
                        let seq = p.sequence;
                        u.reorder.push(seq, u.scratch[..n].to_vec());
                    }
                }
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                            // ICMP echoes of our reports (Windows reports them on recv)
                            | std::io::ErrorKind::ConnectionRefused
                            | std::io::ErrorKind::ConnectionReset
                    ) =>
                {
                    if self.last_received.elapsed() >= self.stall {
                        return Err(RtspError::Stalled {
                            url: self.shown(),
                            secs: self.stall.as_secs(),
                        });
                    }
                }
                Err(source) => {
                    return Err(RtspError::Io {
                        url: self.shown(),
                        source,
                    })
                }
            }
        }
    }

    /// Over UDP: an RTCP receiver report every [`RR_INTERVAL`] (the first
    /// at once), and a look at the control connection every [`POLL`]
    /// (keepalive replies, a server that closed it).
    fn udp_housekeeping(&mut self) -> Result<(), RtspError> {
        let shown = self.shown();
        let Some(u) = self.udp.as_mut() else {
            return Ok(());
        };
        if u.last_rr.is_none_or(|t| t.elapsed() >= RR_INTERVAL) {
            u.last_rr = Some(Instant::now());
            let (expected, received) = (u.reorder.expected(), u.reorder.received);
            let (de, dr) = (
                expected.saturating_sub(u.prior.0),
                received.saturating_sub(u.prior.1),
            );
            u.prior = (expected, received);
            let block = u.media_ssrc.map(|ssrc| ReportBlock {
                ssrc,
                fraction_lost: (de.saturating_sub(dr) * 256)
                    .checked_div(de)
                    .map_or(0, |f| f.min(255) as u8),
                cumulative_lost: expected.saturating_sub(received) as u32,
                highest: u.reorder.highest,
                last_sr: u.last_sr.map_or(0, |(m, _)| m),
                delay_since_sr: u.last_sr.map_or(0, |(_, at)| {
                    (at.elapsed().as_secs_f64() * 65_536.0).min(f64::from(u32::MAX)) as u32
                }),
            });
            if let Some(to) = u.server_rtcp {
                let _ = u.pair.rtcp.send_to(&receiver_report(u.own_ssrc, block), to);
            }
            if u.reorder.lost != u.reported_lost {
                tracing::debug!(
                    url = %shown,
                    lost = u.reorder.lost,
                    received = u.reorder.received,
                    "RTP over UDP: packets lost"
                );
                u.reported_lost = u.reorder.lost;
            }
        }
        if u.last_control.elapsed() < POLL {
            return Ok(());
        }
        u.last_control = Instant::now();
        let io = |source| RtspError::Io {
            url: shown.clone(),
            source,
        };
        self.stream.set_nonblocking(true).map_err(io)?;
        let read = loop {
            match self.stream.read(&mut self.scratch) {
                Ok(0) => break Err(RtspError::Closed { url: shown.clone() }),
                Ok(n) => self.append_read(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => break Err(io(source)),
            }
        };
        self.stream.set_nonblocking(false).map_err(io)?;
        read?;
        loop {
            match self.take_item() {
                Ok(Some(item)) => {
                    if let Item::Response(r) = item {
                        if matches!(r.status, 405 | 501) {
                            self.keepalive_method = "OPTIONS";
                        }
                    }
                }
                Ok(None) => return Ok(()),
                Err(source) => return Err(RtspError::Message { url: shown, source }),
            }
        }
    }

    /// While nobody reads the session (a paused replay): sends the
    /// keepalive if it is due and waits for the answer (a server without
    /// GET_PARAMETER is asked with OPTIONS). Interleaved data that comes
    /// before the answer is kept for [`Self::next_data`] (a paused server
    /// may still send what it had queued). Returns whether one went out.
    pub fn keep_alive_if_due(&mut self) -> Result<bool, RtspError> {
        let Some((_, timeout)) = self.session else {
            return Ok(false);
        };
        if self.last_keepalive.elapsed() < keepalive_interval(timeout) {
            return Ok(false);
        }
        self.last_keepalive = Instant::now();
        let url = self.aggregate_url();
        match self.request(self.keepalive_method, &url, &[]) {
            Err(RtspError::Status {
                status: 405 | 501, ..
            }) if self.keepalive_method != "OPTIONS" => {
                self.keepalive_method = "OPTIONS";
                self.request("OPTIONS", &url, &[])?;
            }
            r => {
                r?;
            }
        }
        Ok(true)
    }

    fn keepalive(&mut self) -> Result<(), RtspError> {
        let Some((_, timeout)) = self.session else {
            return Ok(());
        };
        if self.last_keepalive.elapsed() >= keepalive_interval(timeout) {
            self.last_keepalive = Instant::now();
            let url = self.aggregate_url();
            let method = self.keepalive_method;
            self.send(method, &url, &[])?;
        }
        Ok(())
    }

    /// The next whole item in the buffer, if one is there.
    fn take_item(&mut self) -> Result<Option<Item>, super::message::MessageError> {
        let Some((item, n)) = parse_item(&self.buf[self.consumed..])? else {
            return Ok(None);
        };
        self.consumed += n;
        if self.consumed == self.buf.len() {
            self.buf.clear();
            self.consumed = 0;
        }
        Ok(Some(item))
    }

    /// Appends the first `n` bytes of the scratch buffer (after dropping
    /// what was parsed).
    fn append_read(&mut self, n: usize) {
        if self.consumed > 0 {
            self.buf.drain(..self.consumed);
            self.consumed = 0;
        }
        self.buf.extend_from_slice(&self.scratch[..n]);
    }

    fn read_item(&mut self) -> Result<Item, RtspError> {
        loop {
            match self.take_item() {
                Ok(Some(item)) => return Ok(item),
                Ok(None) => {}
                Err(source) => {
                    return Err(RtspError::Message {
                        url: self.shown(),
                        source,
                    })
                }
            }
            if self.stop.is_stopped() {
                return Err(RtspError::Stopped);
            }
            match self.stream.read(&mut self.scratch) {
                Ok(0) => return Err(RtspError::Closed { url: self.shown() }),
                Ok(n) => {
                    self.last_received = Instant::now();
                    self.append_read(n);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) =>
                {
                    if self.last_received.elapsed() >= self.stall {
                        return Err(RtspError::Stalled {
                            url: self.shown(),
                            secs: self.stall.as_secs(),
                        });
                    }
                    self.keepalive()?;
                }
                Err(source) => {
                    return Err(RtspError::Io {
                        url: self.shown(),
                        source,
                    })
                }
            }
        }
    }

    /// Sets the silence after which reads fail with [`RtspError::Stalled`]
    /// (default [`STALL`]).
    pub fn set_stall(&mut self, stall: Duration) {
        self.stall = stall.max(POLL);
    }

    /// Seconds since the server last sent anything.
    pub fn idle(&self) -> Duration {
        self.last_received.elapsed()
    }
}

/// How often a session with a timeout of `timeout_s` seconds is kept
/// alive: at half the timeout, at most once a second.
pub fn keepalive_interval(timeout_s: u64) -> Duration {
    Duration::from_secs((timeout_s / 2).max(1))
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.session.is_some() {
            self.teardown();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalives_at_half_the_session_timeout() {
        assert_eq!(keepalive_interval(60), Duration::from_secs(30));
        assert_eq!(keepalive_interval(4), Duration::from_secs(2));
        // a server answering timeout=1 (or 0) is not flooded
        assert_eq!(keepalive_interval(1), Duration::from_secs(1));
        assert_eq!(keepalive_interval(0), Duration::from_secs(1));
    }
}
