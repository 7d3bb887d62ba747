//! Our own RTSP client (docs/rtsp-client.md): a blocking RTSP/1.0 session
//! over TCP interleaved or UDP ([`session`], [`udp`]; its [`target`] and [`error`]), with the pure parsers of what the
//! server sends ([`message`], [`sdp`], [`rtp`]), H.264/H.265
//! depacketising into Annex B access units ([`depack`]), RTP-to-wall-clock
//! mapping ([`timing`]) and the ONVIF Profile G replay reader built on them
//! ([`replay`]). FFmpeg stays the decoder.
pub mod auth;
pub mod depack;
pub mod error;
pub mod live;
pub mod message;
pub mod play_info;
pub mod replay;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod target;
pub mod timing;
pub mod udp;
