//! What a PLAY answer says about where the stream starts (RFC 2326 §12.29
//! `Range`, §12.33 `RTP-Info`) and the SDP's `a=range:npt=` length: the
//! npt a server actually started from (it may snap to a keyframe) and the
//! RTP time of that instant, so a replay's frame times are exact.

/// An npt time (`12.5`, `12`, or `hh:mm:ss.fff`) in ms; `None` for `now`
/// or anything else.
pub fn npt_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let secs: f64 = if text.contains(':') {
        let mut parts = text.splitn(3, ':');
        let h: u64 = parts.next()?.parse().ok()?;
        let m: u64 = parts.next()?.parse().ok()?;
        let s: f64 = parts.next()?.parse().ok()?;
        if m >= 60 || !(0.0..60.0).contains(&s) {
            return None;
        }
        (h * 3600 + m * 60) as f64 + s
    } else {
        text.parse().ok()?
    };
    // a decade of npt is more than any replay; larger is hostile
    (secs.is_finite() && (0.0..=315_360_000.0).contains(&secs))
        .then(|| (secs * 1000.0).round() as i64)
}

/// `npt=<start>-[<end>]` (a PLAY answer's `Range` or an SDP `a=range:`):
/// start and end in ms. `None` when it is not an npt range with a start.
pub fn npt_range(value: &str) -> Option<(i64, Option<i64>)> {
    let v = value.trim();
    let rest = v.strip_prefix("npt=").or_else(|| v.strip_prefix("npt ="))?;
    let (a, b) = rest.split_once('-')?;
    let start = npt_ms(a)?;
    let end = match b.trim() {
        "" => None,
        b => Some(npt_ms(b).filter(|e| *e >= start)?),
    };
    Some((start, end))
}

/// The `rtptime` of `RTP-Info` for the stream whose URL ends with
/// `control` (or the only stream listed).
pub fn rtp_info_rtptime(value: &str, control: Option<&str>) -> Option<u32> {
    let streams: Vec<&str> = value.split(',').map(str::trim).collect();
    let pick = |s: &&str| -> bool {
        let url = s
            .split(';')
            .find_map(|p| p.trim().strip_prefix("url="))
            .unwrap_or("");
        control.is_some_and(|c| !c.is_empty() && c != "*" && url.ends_with(c))
    };
    let stream = match streams.iter().copied().find(pick) {
        Some(s) => s,
        None if streams.len() == 1 => streams[0],
        None => return None,
    };
    stream
        .split(';')
        .find_map(|p| p.trim().strip_prefix("rtptime="))
        .and_then(|t| t.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npt_ranges_of_servers_and_hostile_ones() {
        assert_eq!(npt_range("npt=7.033-20.000"), Some((7033, Some(20_000))));
        assert_eq!(npt_range("npt=0-"), Some((0, None)));
        assert_eq!(npt_range("npt=0-20"), Some((0, Some(20_000))));
        assert_eq!(npt_range("npt=00:01:02.5-"), Some((62_500, None)));
        assert_eq!(npt_range("npt=now-"), None);
        assert_eq!(npt_range("clock=20260101T000000Z-"), None);
        assert_eq!(npt_range("npt=-5-"), None);
        assert_eq!(npt_range("npt=NaN-"), None);
        assert_eq!(npt_range("npt=1e300-"), None);
        assert_eq!(npt_range("npt=10-5"), None);
        assert_eq!(npt_range("npt=0:99:00-"), None);
    }

    #[test]
    fn rtp_info_picks_the_video_stream() {
        let v = "url=rtsp://h/rec/stream=0;seq=5;rtptime=3000, url=rtsp://h/rec/stream=1;seq=9;rtptime=77";
        assert_eq!(rtp_info_rtptime(v, Some("stream=1")), Some(77));
        assert_eq!(rtp_info_rtptime(v, Some("stream=0")), Some(3000));
        assert_eq!(rtp_info_rtptime(v, None), None);
        assert_eq!(
            rtp_info_rtptime("url=rtsp://h/x;seq=1;rtptime=4294967295", None),
            Some(u32::MAX)
        );
        assert_eq!(rtp_info_rtptime("url=rtsp://h/x;seq=1", None), None);
        assert_eq!(rtp_info_rtptime("url=x;rtptime=-1", None), None);
    }
}
