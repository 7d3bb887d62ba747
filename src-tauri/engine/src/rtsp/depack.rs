//! RTP payloads to Annex B access units: H.264 (RFC 6184: single NAL unit,
//! STAP-A, FU-A) and H.265 (RFC 7798: single, AP, FU; no DONL). An access
//! unit ends at the marker bit or when the RTP timestamp changes. A lost
//! packet (sequence gap) drops the unit it may belong to (the one in
//! progress, and the one it ended when the timestamp changed), and the units
//! after it up to the next keyframe, since they refer to a picture the
//! decoder never had: a torn picture never reaches a tile or a clip. Keyframes without in-band parameter sets get the
//! SDP's prepended, so decoding can start at any keyframe.
use std::collections::VecDeque;

use super::rtp::{OnvifExtension, RtpPacket};
use super::sdp::Codec;

/// Largest access unit accepted (a 4K keyframe is well below).
pub const MAX_ACCESS_UNIT: usize = 16 * 1024 * 1024;
/// Units skipped at most while waiting for a keyframe after a loss; a
/// stream that refreshes without keyframes (intra refresh) plays on after.
const MAX_UNITS_AWAITING_KEY: u32 = 90;
const START: [u8; 4] = [0, 0, 0, 1];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessUnit {
    pub rtp_timestamp: u32,
    /// Annex B: each NAL unit behind a 4-byte start code.
    pub data: Vec<u8>,
    pub keyframe: bool,
    /// The ONVIF replay extension of the unit's first packet that had one.
    pub onvif: Option<OnvifExtension>,
}

struct Building {
    rtp_timestamp: u32,
    data: Vec<u8>,
    keyframe: bool,
    has_parameter_sets: bool,
    onvif: Option<OnvifExtension>,
    /// A fragmented NAL unit is open.
    in_fragment: bool,
    broken: bool,
}

pub struct Depacketizer {
    codec: Codec,
    parameter_sets: Vec<Vec<u8>>,
    building: Option<Building>,
    next_sequence: Option<u16>,
    ready: VecDeque<AccessUnit>,
    /// After a dropped unit: units skipped since, until a keyframe.
    awaiting_key: Option<u32>,
    /// Units dropped because a packet was lost or malformed, or because
    /// they followed such a unit before the next keyframe.
    pub dropped: u64,
}

impl Depacketizer {
    pub fn new(codec: Codec, parameter_sets: Vec<Vec<u8>>) -> Self {
        Self {
            codec,
            parameter_sets,
            building: None,
            next_sequence: None,
            ready: VecDeque::new(),
            awaiting_key: None,
            dropped: 0,
        }
    }

    /// The next finished access unit.
    pub fn pop(&mut self) -> Option<AccessUnit> {
        self.ready.pop_front()
    }

    /// Forgets the unit in progress and the sequence (after a new PLAY).
    pub fn reset(&mut self) {
        self.building = None;
        self.next_sequence = None;
    }

    /// Adds one RTP packet (already checked for the media's payload type).
    pub fn push(&mut self, pkt: &RtpPacket<'_>, onvif: Option<OnvifExtension>) {
        let lost = self.next_sequence.is_some_and(|s| s != pkt.sequence);
        self.next_sequence = Some(pkt.sequence.wrapping_add(1));
        if let Some(b) = self
            .building
            .as_mut()
            .filter(|b| b.rtp_timestamp != pkt.timestamp)
        {
            // the lost packet may have been this unit's last one
            b.broken |= lost;
            self.finish();
        }
        let b = self.building.get_or_insert_with(|| Building {
            rtp_timestamp: pkt.timestamp,
            data: Vec::new(),
            keyframe: false,
            has_parameter_sets: false,
            onvif: None,
            in_fragment: false,
            broken: false,
        });
        if lost {
            b.broken = true;
        }
        if b.onvif.is_none() {
            b.onvif = onvif;
        }
        let ok = match self.codec {
            Codec::H264 => push_h264(b, pkt.payload),
            Codec::H265 => push_h265(b, pkt.payload),
        };
        if !ok || b.data.len() > MAX_ACCESS_UNIT {
            b.broken = true;
        }
        if pkt.marker {
            self.finish();
        }
    }

    fn finish(&mut self) {
        let Some(b) = self.building.take() else {
            return;
        };
        if b.broken || b.in_fragment || b.data.is_empty() {
            self.dropped += 1;
            self.awaiting_key = Some(0);
            return;
        }
        match self.awaiting_key {
            Some(_) if b.keyframe => self.awaiting_key = None,
            Some(n) if n < MAX_UNITS_AWAITING_KEY => {
                self.awaiting_key = Some(n + 1);
                self.dropped += 1;
                return;
            }
            Some(_) => self.awaiting_key = None,
            None => {}
        }
        let mut data = b.data;
        if b.keyframe && !b.has_parameter_sets && !self.parameter_sets.is_empty() {
            let mut with = Vec::with_capacity(data.len() + 256);
            for ps in &self.parameter_sets {
                with.extend_from_slice(&START);
                with.extend_from_slice(ps);
            }
            with.extend_from_slice(&data);
            data = with;
        }
        self.ready.push_back(AccessUnit {
            rtp_timestamp: b.rtp_timestamp,
            data,
            keyframe: b.keyframe,
            onvif: b.onvif,
        });
    }
}

fn add_nal(b: &mut Building, nal: &[u8], codec: Codec) {
    if nal.is_empty() {
        return;
    }
    note_type(b, nal[0], codec);
    b.data.extend_from_slice(&START);
    b.data.extend_from_slice(nal);
}

fn note_type(b: &mut Building, header: u8, codec: Codec) {
    match codec {
        Codec::H264 => match header & 0x1f {
            5 => b.keyframe = true,
            7 | 8 => b.has_parameter_sets = true,
            _ => {}
        },
        Codec::H265 => match (header >> 1) & 0x3f {
            16..=21 => b.keyframe = true,
            32..=34 => b.has_parameter_sets = true,
            _ => {}
        },
    }
}

/// NAL units of an aggregation packet body: 16-bit size, unit, ...
fn aggregated(b: &mut Building, mut body: &[u8], codec: Codec) -> bool {
    while !body.is_empty() {
        if body.len() < 2 {
            return false;
        }
        let n = usize::from(u16::from_be_bytes([body[0], body[1]]));
        if n == 0 || body.len() < 2 + n {
            return false;
        }
        add_nal(b, &body[2..2 + n], codec);
        body = &body[2 + n..];
    }
    true
}

fn push_h264(b: &mut Building, p: &[u8]) -> bool {
    let Some(&h) = p.first() else {
        return false;
    };
    match h & 0x1f {
        1..=23 => {
            if b.in_fragment {
                return false;
            }
            add_nal(b, p, Codec::H264);
            true
        }
        24 => !b.in_fragment && aggregated(b, &p[1..], Codec::H264),
        28 => {
            let Some(&fu) = p.get(1) else {
                return false;
            };
            let (start, end) = (fu & 0x80 != 0, fu & 0x40 != 0);
            if start {
                if b.in_fragment {
                    return false;
                }
                let header = (h & 0xe0) | (fu & 0x1f);
                note_type(b, header, Codec::H264);
                b.data.extend_from_slice(&START);
                b.data.push(header);
                b.in_fragment = true;
            } else if !b.in_fragment {
                return false;
            }
            b.data.extend_from_slice(&p[2..]);
            if end {
                b.in_fragment = false;
            }
            true
        }
        _ => false,
    }
}

fn push_h265(b: &mut Building, p: &[u8]) -> bool {
    if p.len() < 2 {
        return false;
    }
    match (p[0] >> 1) & 0x3f {
        0..=47 => {
            if b.in_fragment {
                return false;
            }
            add_nal(b, p, Codec::H265);
            true
        }
        48 => !b.in_fragment && aggregated(b, &p[2..], Codec::H265),
        49 => {
            let Some(&fu) = p.get(2) else {
                return false;
            };
            let (start, end) = (fu & 0x80 != 0, fu & 0x40 != 0);
            if start {
                if b.in_fragment {
                    return false;
                }
                let h0 = (p[0] & 0x81) | ((fu & 0x3f) << 1);
                note_type(b, h0, Codec::H265);
                b.data.extend_from_slice(&START);
                b.data.extend_from_slice(&[h0, p[1]]);
                b.in_fragment = true;
            } else if !b.in_fragment {
                return false;
            }
            b.data.extend_from_slice(&p[3..]);
            if end {
                b.in_fragment = false;
            }
            true
        }
        _ => false,
    }
}

/// Feeds one raw RTP packet (any bytes) through a depacketizer: the fuzz
/// entry point for this module.
pub fn depacketize_raw(codec: Codec, packets: &[&[u8]]) -> Vec<AccessUnit> {
    let mut d = Depacketizer::new(codec, vec![vec![0x67, 1], vec![0x68, 2]]);
    let mut out = Vec::new();
    for raw in packets {
        if let Ok(p) = super::rtp::parse_rtp(raw) {
            let ext = p
                .extension
                .and_then(|(prof, data)| super::rtp::parse_onvif_extension(prof, data));
            d.push(&p, ext);
            while let Some(au) = d.pop() {
                out.push(au);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(seq: u16, ts: u32, marker: bool, payload: &[u8]) -> RtpPacket<'_> {
        RtpPacket {
            marker,
            payload_type: 96,
            sequence: seq,
            timestamp: ts,
            ssrc: 1,
            extension: None,
            payload,
        }
    }

    #[test]
    fn h264_fu_a_and_stap_a() {
        let mut d = Depacketizer::new(Codec::H264, vec![vec![0x67, 9], vec![0x68, 8]]);
        d.push(&pkt(1, 100, false, &[0x7c, 0x85, 1, 2]), None); // FU-A start, IDR
        d.push(&pkt(2, 100, true, &[0x7c, 0x45, 3]), None); // FU-A end
        let au = d.pop().unwrap();
        assert!(au.keyframe);
        assert_eq!(
            au.data,
            [0, 0, 0, 1, 0x67, 9, 0, 0, 0, 1, 0x68, 8, 0, 0, 0, 1, 0x65, 1, 2, 3]
        );
        d.push(&pkt(3, 200, true, &[0x18, 0, 2, 0x41, 7, 0, 1, 0x06]), None); // STAP-A
        let au = d.pop().unwrap();
        assert!(!au.keyframe);
        assert_eq!(au.data, [0, 0, 0, 1, 0x41, 7, 0, 0, 0, 1, 0x06]);
    }

    #[test]
    fn loss_drops_the_unit_and_ts_change_ends_one() {
        let mut d = Depacketizer::new(Codec::H264, vec![]);
        d.push(&pkt(1, 100, false, &[0x7c, 0x85, 1]), None);
        d.push(&pkt(3, 100, true, &[0x7c, 0x45, 3]), None); // seq 2 lost
        assert_eq!(d.pop(), None);
        assert_eq!(d.dropped, 1);
        // a keyframe as single NAL units: the timestamp change ends it
        d.push(&pkt(4, 300, false, &[0x65, 1]), None);
        d.push(&pkt(5, 400, false, &[0x41, 2]), None);
        assert_eq!(d.pop().unwrap().rtp_timestamp, 300);
    }

    #[test]
    fn after_a_loss_units_wait_for_the_next_keyframe() {
        let mut d = Depacketizer::new(Codec::H264, vec![]);
        d.push(&pkt(1, 100, true, &[0x65, 1]), None); // keyframe
        assert!(d.pop().unwrap().keyframe);
        d.push(&pkt(2, 200, false, &[0x41, 1]), None); // slice 1 of 2
                                                       // seq 3 (its last slice) lost; the next unit ends it by timestamp
        d.push(&pkt(4, 300, true, &[0x41, 2]), None);
        d.push(&pkt(5, 400, true, &[0x41, 3]), None);
        assert_eq!(d.pop(), None, "torn and dependent units are not decoded");
        d.push(&pkt(6, 500, true, &[0x65, 4]), None);
        let au = d.pop().unwrap();
        assert!(au.keyframe);
        assert_eq!(au.rtp_timestamp, 500);
        d.push(&pkt(7, 600, true, &[0x41, 5]), None);
        assert_eq!(d.pop().unwrap().rtp_timestamp, 600);
        assert_eq!(d.dropped, 3);
    }

    #[test]
    fn a_stream_without_keyframes_plays_on_after_a_while() {
        let mut d = Depacketizer::new(Codec::H264, vec![]);
        d.push(&pkt(1, 0, false, &[0x7c, 0x81, 1]), None); // FU start, non-IDR
        d.push(&pkt(3, 0, true, &[0x7c, 0x41, 2]), None); // seq 2 lost
        let mut out = 0;
        for i in 0..(MAX_UNITS_AWAITING_KEY + 5) {
            d.push(&pkt(4 + i as u16, 100 + i, true, &[0x41, 1]), None);
            out += std::iter::from_fn(|| d.pop()).count();
        }
        assert_eq!(out, 5);
    }

    #[test]
    fn h265_fu() {
        let mut d = Depacketizer::new(Codec::H265, vec![]);
        // FU of an IDR_W_RADL (19): header type 49, FU header S + 19
        d.push(&pkt(1, 5, false, &[49 << 1, 1, 0x80 | 19, 0xAA]), None);
        d.push(&pkt(2, 5, true, &[49 << 1, 1, 0x40 | 19, 0xBB]), None);
        let au = d.pop().unwrap();
        assert!(au.keyframe);
        assert_eq!(au.data, [0, 0, 0, 1, 19 << 1, 1, 0xAA, 0xBB]);
    }
}
