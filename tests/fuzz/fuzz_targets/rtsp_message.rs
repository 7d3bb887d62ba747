//! What an RTSP server sends on the control connection: responses and
//! interleaved data (message), Session and SETUP Transport headers, the
//! DESCRIBE answer's SDP, a PLAY answer's Range and RTP-Info, and
//! authentication challenges.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::rtsp::auth::{Auth, Credentials};
use vigil_engine::rtsp::message::{parse_item, parse_session, Item};
use vigil_engine::rtsp::play_info::{npt_range, rtp_info_rtptime};
use vigil_engine::rtsp::sdp;
use vigil_engine::rtsp::udp::parse_transport;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok(Some((item, n))) = parse_item(rest) {
        assert!(n > 0 && n <= rest.len());
        if let Item::Response(r) = &item {
            if let Some(s) = r.header("Session") {
                let _ = parse_session(s);
            }
            if let Some(t) = r.header("Transport") {
                let _ = parse_transport(t);
            }
            if let Some((start, end)) = r.header("Range").and_then(npt_range) {
                assert!(start >= 0 && end.is_none_or(|e| e >= start));
            }
            if let Some(i) = r.header("RTP-Info") {
                let _ = rtp_info_rtptime(i, Some("stream=0"));
                let _ = rtp_info_rtptime(i, None);
            }
            let mut a = Auth::new(Some(Credentials {
                user: "u".into(),
                password: "p".into(),
            }));
            if a.on_challenge(r.headers_named("WWW-Authenticate")).is_ok() {
                let _ = a.authorization("DESCRIBE", "rtsp://127.0.0.1/x");
            }
        }
        rest = &rest[n..];
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_transport(text);
        let _ = npt_range(text);
        let _ = rtp_info_rtptime(text, Some("trackID=1"));
        if let Ok(s) = sdp::parse(text) {
            if let Some(v) = s.video {
                let _ = sdp::control_url("rtsp://h/a/", v.control.as_deref());
            }
        }
    }
});
