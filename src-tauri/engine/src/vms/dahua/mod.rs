//! Dahua IPC/NVR/XVR devices (PROTOCOLS.md 5.1, 5.3) behind the VMS seam.
//! Wire layers: [`kv`] (key=value answers and the tables in them, pub
//! parsers), [`cgi`] (digest-signed CGI requests), [`dhav`] (download preambles), [`zone`] (the device's
//! local time), [`finder`] (`mediaFileFind` with guaranteed release). The
//! adapter side: [`site`] (kind and listing), [`stored`] (per-camera data),
//! [`live`] (RTSP), [`recording`] (coverage), [`playback`] (RTSP replay), [`ptz`] (home through
//! [`onvif_home`]), [`export`] (clips).
pub mod cgi;
pub mod dhav;
pub mod export;
pub mod finder;
pub mod kv;
pub mod live;
pub mod onvif_home;
pub mod playback;
pub mod ptz;
pub mod recording;
pub mod site;
pub mod stored;
pub mod zone;

pub use site::{DahuaKind, DahuaSite};
