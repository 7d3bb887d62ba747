//! The parts of a DESCRIBE answer's SDP (RFC 4566) this client needs: the
//! session control URL and range, and the first H.264 or H.265 video media
//! with its payload type, clock rate, control URL, ONVIF track reference and
//! in-band parameter sets (`sprop-parameter-sets`, `sprop-vps/sps/pps`).
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264,
    H265,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoMedia {
    pub payload_type: u8,
    pub codec: Codec,
    pub clock_rate: u32,
    pub control: Option<String>,
    /// Parameter sets (NAL units without start codes) from the fmtp line.
    pub parameter_sets: Vec<Vec<u8>>,
    /// `a=x-onvif-track`, present on ONVIF replay media.
    pub onvif_track: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sdp {
    pub control: Option<String>,
    /// `a=range:` of the session, as written (`npt=0-20`, `clock=...`).
    pub range: Option<String>,
    pub video: Option<VideoMedia>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SdpError {
    #[error("the SDP is over 64 KiB")]
    TooLarge,
    #[error("the SDP has no H.264 or H.265 video media")]
    NoVideo,
}

/// Parses the SDP text of a DESCRIBE answer.
pub fn parse(text: &str) -> Result<Sdp, SdpError> {
    if text.len() > 64 * 1024 {
        return Err(SdpError::TooLarge);
    }
    let mut sdp = Sdp::default();
    // media sections: (m= line fields, attribute lines)
    let mut media: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(m) = line.strip_prefix("m=") {
            media.push((
                m.split_whitespace().map(str::to_string).collect(),
                Vec::new(),
            ));
        } else if let Some(a) = line.strip_prefix("a=") {
            match media.last_mut() {
                Some((_, attrs)) => attrs.push(a.to_string()),
                None => {
                    if let Some(c) = a.strip_prefix("control:") {
                        sdp.control = Some(c.trim().to_string());
                    } else if let Some(r) = a.strip_prefix("range:") {
                        sdp.range = Some(r.trim().to_string());
                    }
                }
            }
        }
    }
    for (fields, attrs) in &media {
        if fields.first().map(String::as_str) != Some("video") {
            continue;
        }
        let pts: Vec<u8> = fields
            .iter()
            .skip(3)
            .filter_map(|p| p.parse().ok())
            .collect();
        for pt in pts {
            if let Some(v) = video_media(pt, attrs) {
                sdp.video = Some(v);
                return Ok(sdp);
            }
        }
    }
    Err(SdpError::NoVideo)
}

fn video_media(pt: u8, attrs: &[String]) -> Option<VideoMedia> {
    let prefix = format!("{pt} ");
    let rtpmap = attrs
        .iter()
        .filter_map(|a| a.strip_prefix("rtpmap:"))
        .find_map(|a| a.strip_prefix(&prefix))?;
    let mut enc = rtpmap.trim().split('/');
    let codec = match enc.next()?.to_ascii_uppercase().as_str() {
        "H264" => Codec::H264,
        "H265" | "HEVC" => Codec::H265,
        _ => return None,
    };
    let clock_rate = enc
        .next()
        .and_then(|c| c.trim().parse::<u32>().ok())
        .filter(|c| *c > 0)
        .unwrap_or(90_000);
    let fmtp = attrs
        .iter()
        .filter_map(|a| a.strip_prefix("fmtp:"))
        .find_map(|a| a.strip_prefix(&prefix))
        .unwrap_or_default();
    let mut parameter_sets = Vec::new();
    let params: Vec<(&str, &str)> = fmtp
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .collect();
    let names: &[&str] = match codec {
        Codec::H264 => &["sprop-parameter-sets"],
        Codec::H265 => &["sprop-vps", "sprop-sps", "sprop-pps"],
    };
    for name in names {
        for (k, v) in &params {
            if k.eq_ignore_ascii_case(name) {
                for b in v.split(',') {
                    if let Ok(nal) = B64.decode(b.trim()) {
                        if !nal.is_empty() && nal.len() <= 4096 {
                            parameter_sets.push(nal);
                        }
                    }
                }
            }
        }
    }
    let attr = |name: &str| {
        attrs
            .iter()
            .find_map(|a| a.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    Some(VideoMedia {
        payload_type: pt,
        codec,
        clock_rate,
        control: attr("control:"),
        parameter_sets,
        onvif_track: attr("x-onvif-track:"),
    })
}

/// The URL to SETUP for `control` relative to `base` (RFC 2326 C.1.1).
pub fn control_url(base: &str, control: Option<&str>) -> String {
    match control {
        None | Some("*") => base.to_string(),
        Some(c) if c.starts_with("rtsp://") || c.starts_with("rtsps://") => c.to_string(),
        Some(c) => {
            let base = base.trim_end_matches('/');
            format!("{base}/{}", c.trim_start_matches('/'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GST: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\na=control:*\r\na=range:npt=0-20\r\n\
m=audio 0 RTP/AVP 0\r\na=control:stream=9\r\n\
m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAFtoCgL/lwFqDAwNSgAAAAwCAAAAPR4sXUA==,aM48gA==;profile-level-id=42c016\r\n\
a=control:stream=0\r\na=x-onvif-track:VIDEO000\r\n";

    #[test]
    fn gstreamer_onvif_sdp() {
        let s = parse(GST).unwrap();
        assert_eq!(s.range.as_deref(), Some("npt=0-20"));
        let v = s.video.unwrap();
        assert_eq!(
            (v.payload_type, v.codec, v.clock_rate),
            (96, Codec::H264, 90_000)
        );
        assert_eq!(v.parameter_sets.len(), 2);
        assert_eq!(v.parameter_sets[0][0] & 0x1f, 7);
        assert_eq!(v.onvif_track.as_deref(), Some("VIDEO000"));
        assert_eq!(
            control_url("rtsp://h/replay/", v.control.as_deref()),
            "rtsp://h/replay/stream=0"
        );
    }

    #[test]
    fn no_video_is_an_error() {
        assert_eq!(
            parse("v=0\r\nm=audio 0 RTP/AVP 0\r\n"),
            Err(SdpError::NoVideo)
        );
        assert_eq!(
            parse("m=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"),
            Err(SdpError::NoVideo)
        );
    }
}
