//! The frame hub's wire format (docs/hub-protocol.md): the 32-byte binary
//! frame header, the status and resize messages, and the request query.
use serde::{Deserialize, Serialize};

use crate::ingest::StreamStatus;
use crate::media::picture::Picture;

pub const MAGIC: &[u8; 4] = b"VGF1";
pub const HEADER_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PixelFormat {
    I420 = 1,
    Nv12 = 2,
    Jpeg = 3,
}

impl PixelFormat {
    fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(Self::I420),
            2 => Some(Self::Nv12),
            3 => Some(Self::Jpeg),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub format: PixelFormat,
    pub keyframe: bool,
    /// Flag bit 1: `ts_ms` is the workstation's arrival time (live, no
    /// trustworthy camera capture time).
    pub arrival_time: bool,
    pub stream_id: u32,
    pub seq: u32,
    pub ts_ms: i64,
    pub width: u16,
    pub height: u16,
    pub payload_len: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("message shorter than its header ({0} bytes)")]
    Short(usize),
    #[error("not a VGF1 frame")]
    Magic,
    #[error("unknown pixel format {0}")]
    Format(u8),
    #[error("payload length {declared} does not match the {actual} bytes present")]
    Length { declared: u32, actual: usize },
}

impl FrameHeader {
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(HEADER_LEN as u16).to_le_bytes());
        out.push(self.format as u8);
        out.push(u8::from(self.keyframe) | (u8::from(self.arrival_time) << 1));
        out.extend_from_slice(&self.stream_id.to_le_bytes());
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.ts_ms.to_le_bytes());
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&self.payload_len.to_le_bytes());
    }

    /// Parses a whole message; returns the header and the payload.
    pub fn parse(msg: &[u8]) -> Result<(Self, &[u8]), HeaderError> {
        if msg.len() < HEADER_LEN {
            return Err(HeaderError::Short(msg.len()));
        }
        if &msg[..4] != MAGIC {
            return Err(HeaderError::Magic);
        }
        let hlen = u16::from_le_bytes([msg[4], msg[5]]) as usize;
        if hlen < HEADER_LEN || msg.len() < hlen {
            return Err(HeaderError::Short(msg.len()));
        }
        let u32_at = |i: usize| u32::from_le_bytes(msg[i..i + 4].try_into().expect("4 bytes"));
        let u16_at = |i: usize| u16::from_le_bytes(msg[i..i + 2].try_into().expect("2 bytes"));
        let h = FrameHeader {
            format: PixelFormat::from_u8(msg[6]).ok_or(HeaderError::Format(msg[6]))?,
            keyframe: msg[7] & 1 == 1,
            arrival_time: msg[7] & 2 == 2,
            stream_id: u32_at(8),
            seq: u32_at(12),
            ts_ms: i64::from_le_bytes(msg[16..24].try_into().expect("8 bytes")),
            width: u16_at(24),
            height: u16_at(26),
            payload_len: u32_at(28),
        };
        let payload = &msg[hlen..];
        if payload.len() != h.payload_len as usize {
            return Err(HeaderError::Length {
                declared: h.payload_len,
                actual: payload.len(),
            });
        }
        Ok((h, payload))
    }
}

/// A whole binary message for a picture.
pub fn encode_frame(stream_id: u32, pic: &Picture, format: PixelFormat, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    FrameHeader {
        format,
        keyframe: pic.keyframe,
        arrival_time: pic.arrival_time,
        stream_id,
        seq: pic.seq,
        ts_ms: pic.ts_ms,
        width: pic.width as u16,
        height: pic.height as u16,
        payload_len: payload.len() as u32,
    }
    .write(&mut out);
    out.extend_from_slice(payload);
    out
}

/// Text messages from the hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage {
    Status {
        camera: String,
        stream: Option<String>,
        state: String,
        reason: Option<String>,
        /// Live: capture or arrival time, and the camera clock's offset
        /// (docs/hub-protocol.md); absent when the source does not say.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timing: Option<crate::media::source::FrameTiming>,
        /// Live: the stream's live events (motion, recording, connection
        /// lost) where the VMS reports them (docs/hub-protocol.md).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        events: Option<crate::vms::live_events::LiveEvents>,
    },
    /// A playback group's clock (docs/hub-protocol.md, playback sockets).
    Clock {
        position: i64,
        speed: f64,
        paused: bool,
        /// The highest control `seq` this group has applied (0: none).
        #[serde(default)]
        ack: u64,
    },
}

impl ServerMessage {
    pub fn status(camera: &str, stream: Option<&str>, s: &StreamStatus) -> Self {
        ServerMessage::Status {
            camera: camera.to_string(),
            stream: stream.map(str::to_string),
            state: serde_json::to_value(s.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            reason: s.reason.clone(),
            timing: s.timing,
            events: s.events,
        }
    }
}

/// Text messages from a tile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ClientMessage {
    Resize { width: u32, height: u32 },
    Seek { at: i64 },
    Pause,
    Play,
    Speed { speed: f64 },
    Step { frames: i32 },
}

/// Largest text message a tile may send (control messages are tiny); the
/// hub's WebSocket reader refuses bigger frames and messages.
pub const MAX_CONTROL_MESSAGE: usize = 64 << 10;

/// Parses a tile's control message (JSON text; see docs/hub-protocol.md).
pub fn parse_client_message(text: &str) -> Result<ClientMessage, String> {
    if text.len() > MAX_CONTROL_MESSAGE {
        return Err(format!(
            "control message of {} bytes is too long",
            text.len()
        ));
    }
    serde_json::from_str(text).map_err(|e| format!("bad control message: {e}"))
}

/// The optional `seq` of a control message (the UI numbers its controls so
/// it can tell a clock message sent before one of them from one sent after).
pub fn control_seq(text: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Seq {
        seq: Option<u64>,
    }
    serde_json::from_str::<Seq>(text).ok()?.seq
}

/// What a tile asks for in the upgrade request's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRequest {
    pub camera: String,
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub stream: Option<crate::vms::StreamKind>,
}

/// Parses `/v1/live?token=..&camera=..&w=..&h=..` (token checked elsewhere).
pub fn parse_live_query(query: &str) -> Result<LiveRequest, String> {
    let mut camera = None;
    let (mut w, mut h) = (None, None);
    let mut format = PixelFormat::I420;
    let mut stream = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "camera" => camera = Some(v.into_owned()),
            "w" => w = Some(v.parse::<u32>().map_err(|_| format!("bad w: {v}"))?),
            "h" => h = Some(v.parse::<u32>().map_err(|_| format!("bad h: {v}"))?),
            "fmt" => {
                format = match &*v {
                    "i420" => PixelFormat::I420,
                    "jpeg" => PixelFormat::Jpeg,
                    other => return Err(format!("unsupported fmt {other}")),
                }
            }
            "stream" => {
                stream = Some(match &*v {
                    "main" => crate::vms::StreamKind::Main,
                    "sub" => crate::vms::StreamKind::Sub,
                    other => return Err(format!("unknown stream {other}")),
                })
            }
            _ => {}
        }
    }
    let clamp = |v: u32| v.clamp(2, 8192);
    Ok(LiveRequest {
        camera: camera.filter(|c| !c.is_empty()).ok_or("camera missing")?,
        width: clamp(w.ok_or("w missing")?),
        height: clamp(h.ok_or("h missing")?),
        format,
        stream,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn header_round_trip_and_rejects() {
        let pic = Picture {
            width: 4,
            height: 2,
            ts_ms: 1_767_225_600_000,
            keyframe: true,
            arrival_time: false,
            seq: 9,
            data: Arc::new(vec![7; 12]),
        };
        let msg = encode_frame(3, &pic, PixelFormat::I420, &pic.data);
        assert_eq!(msg.len(), 44);
        let (h, payload) = FrameHeader::parse(&msg).unwrap();
        assert_eq!(
            (h.stream_id, h.seq, h.ts_ms, h.width, h.height, h.keyframe),
            (3, 9, 1_767_225_600_000, 4, 2, true)
        );
        assert_eq!(payload, &[7; 12]);
        assert_eq!((msg[7], h.arrival_time), (1, false));
        let arrival = Picture {
            arrival_time: true,
            ..pic.clone()
        };
        let msg2 = encode_frame(3, &arrival, PixelFormat::I420, &pic.data);
        assert_eq!(msg2[7], 3, "bit 0 keyframe, bit 1 arrival time");
        assert!(FrameHeader::parse(&msg2).unwrap().0.arrival_time);
        assert_eq!(FrameHeader::parse(&msg[..20]), Err(HeaderError::Short(20)));
        let mut bad = msg.clone();
        bad[0] = b'X';
        assert_eq!(FrameHeader::parse(&bad), Err(HeaderError::Magic));
        assert!(matches!(
            FrameHeader::parse(&msg[..40]),
            Err(HeaderError::Length { .. })
        ));
        let mut fmt = msg;
        fmt[6] = 9;
        assert_eq!(FrameHeader::parse(&fmt), Err(HeaderError::Format(9)));
    }

    #[test]
    fn query_parsing() {
        let r = parse_live_query("token=x&camera=demo-1&w=480&h=270").unwrap();
        assert_eq!(
            (r.camera.as_str(), r.width, r.height, r.format),
            ("demo-1", 480, 270, PixelFormat::I420)
        );
        assert!(parse_live_query("camera=demo-1&w=480").is_err());
        assert!(parse_live_query("camera=demo-1&w=-4&h=3").is_err());
        assert!(parse_live_query("camera=a&w=1&h=1&fmt=png").is_err());
        assert_eq!(
            parse_live_query("camera=a&w=99999&h=0&fmt=jpeg&stream=sub")
                .unwrap()
                .width,
            8192
        );
    }

    #[test]
    fn messages_are_the_documented_json() {
        let s = ServerMessage::status(
            "demo-1",
            Some("sub"),
            &StreamStatus::new(crate::ingest::State::AuthFailed, Some("401".into())),
        );
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"type":"status","camera":"demo-1","stream":"sub","state":"auth_failed","reason":"401"}"#
        );
        let c: ClientMessage =
            serde_json::from_str(r#"{"type":"resize","width":960,"height":540}"#).unwrap();
        assert_eq!(
            c,
            ClientMessage::Resize {
                width: 960,
                height: 540
            }
        );
    }

    #[test]
    fn hostile_control_messages_are_errors() {
        assert_eq!(
            parse_client_message(r#"{"type":"seek","at":5}"#),
            Ok(ClientMessage::Seek { at: 5 })
        );
        for bad in [
            "",
            "{",
            "null",
            r#"{"type":"seek","at":1e400}"#,
            r#"{"type":"seek","at":99999999999999999999}"#,
            r#"{"type":"resize","width":-1,"height":2}"#,
            r#"{"type":"launch"}"#,
            r#"{"type":"step","frames":"x"}"#,
        ] {
            assert!(parse_client_message(bad).is_err(), "{bad}");
        }
        let deep = "[".repeat(100_000);
        assert!(parse_client_message(&deep).is_err());
        let long = format!(
            r#"{{"type":"play","pad":"{}"}}"#,
            "x".repeat(MAX_CONTROL_MESSAGE)
        );
        assert!(parse_client_message(&long)
            .unwrap_err()
            .contains("too long"));
    }
}
