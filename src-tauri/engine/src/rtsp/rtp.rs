//! RTP packets (RFC 3550 §5.1, header extension §5.3.1), RTCP sender
//! reports (§6.4.1) in compound packets, and the ONVIF replay header
//! extension (ONVIF Streaming spec, profile `0xABAC`: NTP time of the access
//! unit, C/E/D/T flags, CSeq byte). Pure, bounds-checked parsers.

/// Seconds from 1900-01-01 (NTP era 0) to the Unix epoch.
pub const NTP_UNIX_OFFSET_S: u64 = 2_208_988_800;
/// The ONVIF replay extension's profile.
pub const ONVIF_EXTENSION: u16 = 0xABAC;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    /// (profile, extension data) when the X bit is set.
    pub extension: Option<(u16, &'a [u8])>,
    pub payload: &'a [u8],
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RtpError {
    #[error("RTP packet of {0} bytes is too short")]
    TooShort(usize),
    #[error("RTP version {0} (only 2 is spoken)")]
    Version(u8),
    #[error("RTP header or padding longer than the packet")]
    BadLength,
}

/// Parses one RTP packet.
pub fn parse_rtp(buf: &[u8]) -> Result<RtpPacket<'_>, RtpError> {
    if buf.len() < 12 {
        return Err(RtpError::TooShort(buf.len()));
    }
    let version = buf[0] >> 6;
    if version != 2 {
        return Err(RtpError::Version(version));
    }
    let padding = buf[0] & 0x20 != 0;
    let has_ext = buf[0] & 0x10 != 0;
    let csrc = usize::from(buf[0] & 0x0f);
    let mut off = 12 + 4 * csrc;
    let mut end = buf.len();
    if padding {
        let pad = usize::from(*buf.last().unwrap_or(&0));
        if pad == 0 || pad > end.saturating_sub(off) {
            return Err(RtpError::BadLength);
        }
        end -= pad;
    }
    if off > end {
        return Err(RtpError::BadLength);
    }
    let extension = if has_ext {
        if off + 4 > end {
            return Err(RtpError::BadLength);
        }
        let profile = u16::from_be_bytes([buf[off], buf[off + 1]]);
        let words = usize::from(u16::from_be_bytes([buf[off + 2], buf[off + 3]]));
        let data_end = off + 4 + 4 * words;
        if data_end > end {
            return Err(RtpError::BadLength);
        }
        let data = &buf[off + 4..data_end];
        off = data_end;
        Some((profile, data))
    } else {
        None
    };
    Ok(RtpPacket {
        marker: buf[1] & 0x80 != 0,
        payload_type: buf[1] & 0x7f,
        sequence: u16::from_be_bytes([buf[2], buf[3]]),
        timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
        extension,
        payload: &buf[off..end],
    })
}

/// The ONVIF replay header extension of an access unit's first packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnvifExtension {
    /// NTP time (32.32, seconds since 1900) the access unit was captured.
    pub ntp: u64,
    /// C: a clean point (keyframe).
    pub clean_point: bool,
    /// E: the last access unit before a gap or the end of the footage.
    pub end_of_section: bool,
    /// D: a discontinuity (first packet after a jump or of a reverse GOP).
    pub discontinuity: bool,
    /// T: the terminal frame; no more data follows.
    pub terminal: bool,
    /// The low byte of the CSeq of the PLAY that started this data.
    pub cseq: u8,
}

impl OnvifExtension {
    /// The capture time in ms since the Unix epoch (None before 1970).
    pub fn unix_ms(&self) -> Option<i64> {
        ntp_to_unix_ms(self.ntp)
    }
}

/// The ONVIF extension, if `profile`/`data` is one (3 words or more).
pub fn parse_onvif_extension(profile: u16, data: &[u8]) -> Option<OnvifExtension> {
    if profile != ONVIF_EXTENSION || data.len() < 12 {
        return None;
    }
    let ntp = u64::from_be_bytes(data[0..8].try_into().ok()?);
    let flags = data[8];
    Some(OnvifExtension {
        ntp,
        clean_point: flags & 0x80 != 0,
        end_of_section: flags & 0x40 != 0,
        discontinuity: flags & 0x20 != 0,
        terminal: flags & 0x10 != 0,
        cseq: data[9],
    })
}

/// NTP 32.32 time to ms since the Unix epoch, rounded to the nearest ms;
/// None for times before 1970 (or era-0 zero, "no time").
pub fn ntp_to_unix_ms(ntp: u64) -> Option<i64> {
    let secs = ntp >> 32;
    let frac = ntp & 0xffff_ffff;
    let secs = secs.checked_sub(NTP_UNIX_OFFSET_S)?;
    let ms = ((frac * 1000) + (1 << 31)) >> 32;
    i64::try_from(secs * 1000 + ms).ok()
}

/// A unix time in ms as NTP 32.32 (for tests and Range headers).
pub fn unix_ms_to_ntp(ms: i64) -> u64 {
    let ms = u64::try_from(ms.max(0)).unwrap_or(0);
    let secs = ms / 1000 + NTP_UNIX_OFFSET_S;
    let frac = ((ms % 1000) << 32) / 1000;
    (secs << 32) | frac
}

/// An RTCP sender report's mapping of an RTP time to the sender's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport {
    pub ssrc: u32,
    pub ntp: u64,
    pub rtp_timestamp: u32,
}

/// What a compound RTCP packet says that this client uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rtcp {
    pub reports: Vec<SenderReport>,
    /// A BYE: the sender has left (end of a replay).
    pub bye: bool,
}

/// The sender reports and BYE of a compound RTCP packet (other packet types
/// are skipped; a malformed length ends the walk with an error).
pub fn parse_rtcp(buf: &[u8]) -> Result<Rtcp, RtpError> {
    let mut out = Rtcp::default();
    let mut off = 0;
    while off < buf.len() {
        let rest = &buf[off..];
        if rest.len() < 4 {
            return Err(RtpError::TooShort(rest.len()));
        }
        let version = rest[0] >> 6;
        if version != 2 {
            return Err(RtpError::Version(version));
        }
        let len = 4 * (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1);
        if len > rest.len() {
            return Err(RtpError::BadLength);
        }
        if rest[1] == 200 {
            if len < 28 {
                return Err(RtpError::BadLength);
            }
            out.reports.push(SenderReport {
                ssrc: u32::from_be_bytes(rest[4..8].try_into().unwrap_or_default()),
                ntp: u64::from_be_bytes(rest[8..16].try_into().unwrap_or_default()),
                rtp_timestamp: u32::from_be_bytes(rest[16..20].try_into().unwrap_or_default()),
            });
        } else if rest[1] == 203 {
            out.bye = true;
        }
        off += len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(ext: Option<&[u8]>, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, 0x80 | 96, 0x12, 0x34, 0, 0, 0x0b, 0xb8, 1, 2, 3, 4];
        if let Some(e) = ext {
            p[0] |= 0x10;
            p.extend_from_slice(&ONVIF_EXTENSION.to_be_bytes());
            p.extend_from_slice(&((e.len() / 4) as u16).to_be_bytes());
            p.extend_from_slice(e);
        }
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn rtp_with_onvif_extension() {
        let t = 1_767_225_600_123i64;
        let mut ext = unix_ms_to_ntp(t).to_be_bytes().to_vec();
        ext.extend_from_slice(&[0xA0, 7, 0, 0]);
        let buf = packet(Some(&ext), &[0x65, 1, 2]);
        let p = parse_rtp(&buf).unwrap();
        assert_eq!(
            (p.marker, p.payload_type, p.sequence, p.timestamp),
            (true, 96, 0x1234, 3000)
        );
        assert_eq!(p.payload, &[0x65, 1, 2]);
        let (prof, data) = p.extension.unwrap();
        let e = parse_onvif_extension(prof, data).unwrap();
        assert_eq!(e.unix_ms(), Some(t));
        assert!(e.clean_point && !e.end_of_section && e.discontinuity && !e.terminal);
        assert_eq!(e.cseq, 7);
    }

    #[test]
    fn hostile_rtp_is_refused() {
        assert!(parse_rtp(&[0x80; 5]).is_err());
        assert!(parse_rtp(&[0x40; 12]).is_err());
        let mut b = packet(None, &[1]);
        b[0] |= 0x0f; // 15 CSRCs that are not there
        assert!(parse_rtp(&b).is_err());
        let mut b = packet(None, &[1, 2, 200]);
        b[0] |= 0x20; // padding longer than the payload
        assert!(parse_rtp(&b).is_err());
    }

    #[test]
    fn sender_report_in_compound() {
        let mut sr = vec![0x80, 200, 0, 6, 0, 0, 0, 9];
        sr.extend_from_slice(&unix_ms_to_ntp(1_000_000).to_be_bytes());
        sr.extend_from_slice(&90_000u32.to_be_bytes());
        sr.extend_from_slice(&[0; 8]);
        let sdes = [0x81, 202, 0, 1, 0, 0, 0, 9];
        let mut buf = sr.clone();
        buf.extend_from_slice(&sdes);
        let rtcp = parse_rtcp(&buf).unwrap();
        assert!(!rtcp.bye);
        let srs = rtcp.reports;
        assert_eq!(srs.len(), 1);
        assert_eq!((srs[0].ssrc, srs[0].rtp_timestamp), (9, 90_000));
        assert_eq!(ntp_to_unix_ms(srs[0].ntp), Some(1_000_000));
        assert!(parse_rtcp(&[0x80, 200, 0, 40]).is_err());
    }
}
