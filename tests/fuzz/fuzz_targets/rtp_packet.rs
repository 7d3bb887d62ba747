//! What an RTSP server sends as media: RTP packets with header extensions
//! (the ONVIF replay extension), RTCP compound packets, and the H.264/H.265
//! payloads the depacketizer turns into access units. The input is split
//! into packets by a 2-byte length prefix each.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::rtsp::depack::depacketize_raw;
use vigil_engine::rtsp::rtp::{ntp_to_unix_ms, parse_onvif_extension, parse_rtcp, parse_rtp};
use vigil_engine::rtsp::sdp::Codec;

fuzz_target!(|data: &[u8]| {
    let mut packets = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        packets.push(&rest[2..2 + n]);
        rest = &rest[2 + n..];
    }
    for p in &packets {
        if let Ok(rtp) = parse_rtp(p) {
            if let Some((prof, ext)) = rtp.extension {
                if let Some(e) = parse_onvif_extension(prof, ext) {
                    let _ = e.unix_ms();
                }
            }
        }
        if let Ok(rtcp) = parse_rtcp(p) {
            for sr in rtcp.reports {
                let _ = ntp_to_unix_ms(sr.ntp);
            }
        }
    }
    for codec in [Codec::H264, Codec::H265] {
        for au in depacketize_raw(codec, &packets) {
            assert!(au.data.starts_with(&[0, 0, 0, 1]));
        }
    }
});
