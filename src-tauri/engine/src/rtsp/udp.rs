//! RTP over UDP for our RTSP session: a pair of local ports (RTP even, RTCP
//! the next), the SETUP reply's `Transport` parsed ([`parse_transport`]),
//! a small reorder window by sequence number that counts lost packets
//! ([`Reorder`]), and the RTCP receiver reports sent back to the server
//! ([`receiver_report`]), which some cameras need as a keepalive.
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

/// Packets held while waiting for a missing one; past this the gap counts
/// as lost.
pub const REORDER_WINDOW: usize = 16;
/// A jump this large (either way) is a new stream, not reordering.
const RESYNC: i32 = 3000;

/// Two bound local UDP sockets on consecutive ports (RTP even).
pub struct UdpPair {
    pub rtp: UdpSocket,
    pub rtcp: UdpSocket,
}

impl UdpPair {
    /// Binds an even port and the next one on the wildcard address of the
    /// server's family.
    pub fn bind(v6: bool) -> std::io::Result<Self> {
        let any: IpAddr = if v6 {
            Ipv6Addr::UNSPECIFIED.into()
        } else {
            Ipv4Addr::UNSPECIFIED.into()
        };
        let mut last = None;
        for _ in 0..32 {
            let rtp = UdpSocket::bind(SocketAddr::new(any, 0))?;
            let port = rtp.local_addr()?.port();
            if port % 2 != 0 || port == u16::MAX {
                continue;
            }
            match UdpSocket::bind(SocketAddr::new(any, port + 1)) {
                Ok(rtcp) => return Ok(Self { rtp, rtcp }),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free even UDP port pair")))
    }

    pub fn ports(&self) -> (u16, u16) {
        let port = |s: &UdpSocket| s.local_addr().map(|a| a.port()).unwrap_or(0);
        (port(&self.rtp), port(&self.rtcp))
    }

    /// Read timeouts: RTP waits up to `wait`, RTCP never blocks.
    pub fn set_timeouts(&self, wait: Duration) -> std::io::Result<()> {
        self.rtp.set_read_timeout(Some(wait))?;
        self.rtcp.set_nonblocking(true)
    }
}

/// What a SETUP reply's `Transport` header says about where data flows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportReply {
    /// The server chose TCP interleaved: the RTP channel.
    pub interleaved: Option<u8>,
    /// `server_port=a-b` (RTP, RTCP).
    pub server_ports: Option<(u16, u16)>,
    /// `source=`: the address the data comes from, if not the RTSP peer.
    pub source: Option<IpAddr>,
    /// `ssrc=` (hex).
    pub ssrc: Option<u32>,
}

fn port_pair(v: &str) -> Option<(u16, u16)> {
    let (a, b) = match v.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let a: u16 = v.trim().parse().ok()?;
            (a, a.checked_add(1)?)
        }
    };
    (a != 0 && b != 0).then_some((a, b))
}

/// Parses the `Transport` header of a SETUP reply (the first transport
/// spec; unknown parameters are ignored).
pub fn parse_transport(header: &str) -> TransportReply {
    let mut out = TransportReply::default();
    let first = header.split(',').next().unwrap_or_default();
    for part in first.split(';').map(str::trim) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key.to_ascii_lowercase().as_str() {
            "interleaved" => {
                out.interleaved = value.split('-').next().and_then(|c| c.trim().parse().ok())
            }
            "server_port" => out.server_ports = port_pair(value),
            "source" => out.source = value.trim().parse().ok(),
            "ssrc" => out.ssrc = u32::from_str_radix(value.trim(), 16).ok(),
            _ => {}
        }
    }
    out
}

/// Puts RTP packets back in sequence order within [`REORDER_WINDOW`];
/// a gap still open when the window is full is skipped and counted lost.
#[derive(Debug, Default)]
pub struct Reorder {
    next: Option<u16>,
    held: BTreeMap<u32, Vec<u8>>,
    /// Packets never received (gaps given up on).
    pub lost: u64,
    /// Packets received (duplicates and late ones excluded).
    pub received: u64,
    /// Late or duplicate packets dropped.
    pub dropped: u64,
    /// Extended highest sequence number received (cycles << 16 | seq).
    pub highest: u32,
    cycles: u32,
    base: Option<u32>,
}

impl Reorder {
    /// Adds a packet with sequence number `seq`.
    pub fn push(&mut self, seq: u16, packet: Vec<u8>) {
        let next = *self.next.get_or_insert(seq);
        let d = i32::from(seq.wrapping_sub(next) as i16);
        if d < 0 && d > -RESYNC {
            self.dropped += 1;
            return;
        }
        if d.abs() >= RESYNC {
            // a restarted sender: start over from this packet
            self.held.clear();
            self.next = Some(seq);
        }
        let off = self.offset(seq);
        if self.held.insert(off, packet).is_some() {
            self.dropped += 1;
            return;
        }
        self.received += 1;
        self.note_highest(seq);
    }

    fn offset(&self, seq: u16) -> u32 {
        let next = self.next.unwrap_or(seq);
        u32::from(seq.wrapping_sub(next))
    }

    fn note_highest(&mut self, seq: u16) {
        let low = (self.highest & 0xffff) as u16;
        if self.base.is_none() {
            self.base = Some(u32::from(seq));
            self.highest = u32::from(seq);
            return;
        }
        let d = seq.wrapping_sub(low) as i16;
        if d > 0 {
            if seq < low {
                self.cycles += 1 << 16;
            }
            self.highest = self.cycles | u32::from(seq);
        }
    }

    /// Packets expected so far (from the first to the highest).
    pub fn expected(&self) -> u64 {
        self.base
            .map_or(0, |b| u64::from(self.highest.wrapping_sub(b)) + 1)
    }

    /// The next packet in order, if it is here or the window gave up on
    /// the ones before it.
    pub fn pop(&mut self) -> Option<Vec<u8>> {
        let next = self.next?;
        let (&first, _) = self.held.iter().next()?;
        if first != 0 && self.held.len() < REORDER_WINDOW {
            return None;
        }
        self.lost += u64::from(first);
        let packet = self.held.remove(&first)?;
        let seq = next.wrapping_add(first as u16);
        self.next = Some(seq.wrapping_add(1));
        // re-key what is held against the new expected number
        let shift = first + 1;
        self.held = std::mem::take(&mut self.held)
            .into_iter()
            .map(|(k, v)| (k - shift, v))
            .collect();
        Some(packet)
    }
}

/// One RTCP report block about the stream received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    pub cumulative_lost: u32,
    pub highest: u32,
    /// Middle 32 bits of the last sender report's NTP time (0: none yet).
    pub last_sr: u32,
    /// Delay since that report, 1/65536 s.
    pub delay_since_sr: u32,
}

/// A compound RTCP packet: a receiver report (with `block` if the stream's
/// SSRC is known) and an SDES CNAME, as RFC 3550 asks.
pub fn receiver_report(own_ssrc: u32, block: Option<ReportBlock>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let count = u8::from(block.is_some());
    let words: u16 = 1 + 6 * u16::from(count);
    out.extend_from_slice(&[0x80 | count, 201]);
    out.extend_from_slice(&words.to_be_bytes());
    out.extend_from_slice(&own_ssrc.to_be_bytes());
    if let Some(b) = block {
        out.extend_from_slice(&b.ssrc.to_be_bytes());
        let lost = b.cumulative_lost.min(0x7f_ffff);
        out.push(b.fraction_lost);
        out.extend_from_slice(&lost.to_be_bytes()[1..]);
        out.extend_from_slice(&b.highest.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes()); // jitter: not measured
        out.extend_from_slice(&b.last_sr.to_be_bytes());
        out.extend_from_slice(&b.delay_since_sr.to_be_bytes());
    }
    // SDES: one chunk, CNAME "vigil", padded to a word
    let cname = b"vigil";
    let mut chunk = own_ssrc.to_be_bytes().to_vec();
    chunk.extend_from_slice(&[1, cname.len() as u8]);
    chunk.extend_from_slice(cname);
    chunk.push(0);
    while !chunk.len().is_multiple_of(4) {
        chunk.push(0);
    }
    out.extend_from_slice(&[0x81, 202]);
    out.extend_from_slice(&((chunk.len() / 4) as u16).to_be_bytes());
    out.extend_from_slice(&chunk);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_reply() {
        let t = parse_transport(
            "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D;mode=\"PLAY\"",
        );
        assert_eq!(t.server_ports, Some((6970, 6971)));
        assert_eq!(t.ssrc, Some(0x1a2b_3c4d));
        assert_eq!(t.interleaved, None);
        let t = parse_transport("RTP/AVP/TCP;unicast;interleaved=2-3");
        assert_eq!(t.interleaved, Some(2));
        let t = parse_transport("RTP/AVP;unicast;source=10.0.0.9;server_port=0-1");
        assert_eq!(t.source, Some("10.0.0.9".parse().unwrap()));
        assert_eq!(t.server_ports, None);
        assert_eq!(
            parse_transport("garbage;;==;server_port=-").server_ports,
            None
        );
    }

    #[test]
    fn reorder_within_the_window() {
        let mut r = Reorder::default();
        for seq in [10u16, 12, 11, 13] {
            r.push(seq, vec![seq as u8]);
        }
        let got: Vec<u8> = std::iter::from_fn(|| r.pop()).map(|p| p[0]).collect();
        assert_eq!(got, [10, 11, 12, 13]);
        assert_eq!((r.lost, r.dropped, r.received), (0, 0, 4));
        r.push(12, vec![12]); // late duplicate
        assert_eq!(r.dropped, 1);
    }

    #[test]
    fn a_gap_is_given_up_when_the_window_fills_and_counted() {
        let mut r = Reorder::default();
        r.push(65_534, vec![0]);
        assert!(r.pop().is_some());
        // 65535 and 0 are lost; the rest wraps
        for i in 0..REORDER_WINDOW as u16 {
            r.push(1 + i, vec![1]);
            if i + 1 < REORDER_WINDOW as u16 {
                assert!(r.pop().is_none(), "held while the window has room");
            }
        }
        let n = std::iter::from_fn(|| r.pop()).count();
        assert_eq!(n, REORDER_WINDOW);
        assert_eq!(r.lost, 2);
        assert_eq!(r.highest, (1 << 16) | u32::from(REORDER_WINDOW as u16));
        assert_eq!(r.expected(), REORDER_WINDOW as u64 + 3);
    }

    #[test]
    fn a_restarted_sender_resyncs() {
        let mut r = Reorder::default();
        r.push(100, vec![1]);
        assert!(r.pop().is_some());
        r.push(40_000, vec![2]);
        assert_eq!(r.pop(), Some(vec![2]));
        assert_eq!(r.lost, 0);
    }

    #[test]
    fn receiver_report_is_valid_rtcp() {
        let rr = receiver_report(
            5,
            Some(ReportBlock {
                ssrc: 9,
                fraction_lost: 3,
                cumulative_lost: 7,
                highest: 70_000,
                last_sr: 0x1234_5678,
                delay_since_sr: 65_536,
            }),
        );
        assert_eq!(rr.len(), 32 + 16);
        assert_eq!(&rr[..2], &[0x81, 201]);
        assert_eq!(u16::from_be_bytes([rr[2], rr[3]]), 7);
        assert_eq!(&rr[12..16], &[3, 0, 0, 7]);
        // parses as a compound packet (no SR, no BYE)
        let p = super::super::rtp::parse_rtcp(&rr).unwrap();
        assert!(p.reports.is_empty() && !p.bye);
        assert!(super::super::rtp::parse_rtcp(&receiver_report(5, None)).is_ok());
    }
}
