//! Hikvision devices (IP cameras and NVRs) over ISAPI and RTSP
//! (PROTOCOLS.md section 3, docs/hikvision.md): the `hikvision` site kind
//! ([`site`]), a digest-signed ISAPI client ([`client`]), readers of its XML
//! ([`xml`]), its times and zones ([`time`]), recording search with paging
//! ([`search`]), RTSP playback ([`recording`]), PTZ ([`ptz`]) and clip
//! downloads ([`export`]).
pub mod client;
pub mod export;
pub mod ptz;
pub mod recording;
pub mod search;
pub mod site;
pub mod time;
pub mod xml;

pub use recording::HikRecording;
pub use site::{HikvisionKind, HikvisionSite};
