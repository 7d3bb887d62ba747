//! Sites as data: a site is a stored row (kind, name, address, time zone,
//! per-kind options, TLS pin) plus the cameras its VMS listed, cached. Camera
//! ids are derived from the site id and the VMS's own camera reference, so
//! they survive restarts and re-listing.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Capabilities, StreamInfo};

/// A site as stored and shown (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SiteInfo {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// Where the VMS is (URL, host:port or folder path), no credentials.
    pub address: String,
    /// The site's IANA time zone: playback days, timelines, vendor local times.
    pub time_zone: String,
    #[serde(default)]
    pub user: Option<String>,
    /// `sha256:<hex>` of a pinned TLS certificate.
    #[serde(default)]
    pub tls_pin: Option<String>,
    /// Kind-specific settings.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub created_ms: i64,
}

impl SiteInfo {
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The RTSP transport of the site's live streams (option `transport`:
    /// tcp, the default, udp or auto).
    pub fn transport(&self) -> crate::media::rtsp_input::Transport {
        self.option("transport")
            .and_then(crate::media::rtsp_input::Transport::parse)
            .unwrap_or_default()
    }

    /// Checks the `transport` option and stores it spelled out (tcp when
    /// unset), for a kind's `prepare`.
    pub fn check_transport(&mut self) -> Result<(), super::VmsError> {
        let t = self.option("transport").unwrap_or("tcp").trim().to_string();
        if crate::media::rtsp_input::Transport::parse(&t).is_none() {
            return Err(super::VmsError::InvalidConfig(format!(
                "transport is tcp, udp or auto, not {t:?}"
            )));
        }
        self.options.insert("transport".into(), t);
        Ok(())
    }
}

/// What the add/edit dialog and `vigil sites add` send.
#[derive(Clone, Default, Deserialize, Serialize, ts_rs::TS)]
pub struct SiteRequest {
    pub kind: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub user: Option<String>,
    /// Goes to the OS keyring, never to the database.
    #[serde(default, skip_serializing)]
    #[ts(optional = nullable)]
    pub password: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub tls_pin: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

impl std::fmt::Debug for SiteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteRequest")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field(
                "address",
                &crate::secrets::redact::redact_text(&self.address),
            )
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls_pin", &self.tls_pin)
            .field("time_zone", &self.time_zone)
            .field("options", &self.options.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Where a site's password is.
#[derive(Clone)]
pub enum SiteSecret {
    /// The OS keyring, account `site/<id>`.
    Keyring,
    /// This process only (the CLI's ad-hoc sources, a probe before storing).
    Memory(Option<String>),
}

impl std::fmt::Debug for SiteSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SiteSecret::Keyring => f.write_str("Keyring"),
            SiteSecret::Memory(p) => write!(f, "Memory({})", if p.is_some() { "***" } else { "-" }),
        }
    }
}

/// A camera as a VMS lists it (before the site gives it an id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraRecord {
    /// The VMS's own reference (channel, GUID, video source token, path).
    pub vms_ref: String,
    pub name: String,
    pub ptz: bool,
    pub streams: Vec<StreamInfo>,
    pub capabilities: Capabilities,
    /// Kind-specific data the adapter needs later (profiles, URLs, ...), no secrets.
    #[serde(default)]
    pub extra: serde_json::Value,
}

impl CameraRecord {
    /// A camera that is recordings only (a folder, a MediaMTX path, a
    /// recording named on the CLI): one main stream of unknown size, played
    /// by the engine's own readers.
    pub fn recordings_only(vms_ref: String, name: String) -> Self {
        Self {
            vms_ref,
            name,
            ptz: false,
            streams: vec![StreamInfo {
                kind: super::StreamKind::Main,
                width: 0,
                height: 0,
                codec: String::new(),
            }],
            capabilities: Capabilities::engine_playback(false),
            extra: serde_json::Value::Null,
        }
    }
}

/// A camera of a site: its stable id and what the VMS said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteCamera {
    pub id: String,
    pub site_id: String,
    #[serde(flatten)]
    pub record: CameraRecord,
}

/// How a site is doing, as the sites panel shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    Online,
    Connecting,
    AuthFailed,
    Unreachable,
    Untrusted,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SiteHealth {
    pub state: SiteState,
    /// Why it is not online (redacted).
    pub message: Option<String>,
    /// When the VMS last answered (UTC ms).
    pub last_seen_ms: Option<i64>,
    /// When the engine last tried.
    pub checked_ms: Option<i64>,
}

impl SiteHealth {
    pub fn connecting() -> Self {
        Self {
            state: SiteState::Connecting,
            message: None,
            last_seen_ms: None,
            checked_ms: None,
        }
    }
}

/// A site with its health, for the sites panel and `vigil sites list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SiteStatus {
    pub site: SiteInfo,
    pub health: SiteHealth,
    pub camera_count: usize,
}

/// What probing or adding a site found.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SiteProbe {
    pub site: SiteInfo,
    pub cameras: Vec<super::CameraInfo>,
}

/// The longest VMS reference used verbatim in a camera id.
const MAX_VERBATIM_REF: usize = 32;

/// A camera's stable id: `<site>-<ref>` when the reference is short and
/// plain (`demo-1`, `onvif-2-VideoSource_1`), else `<site>-h<12 hex of
/// SHA-256(ref)>` (GUIDs, paths).
pub fn camera_id(site_id: &str, vms_ref: &str) -> String {
    let plain = !vms_ref.is_empty()
        && vms_ref.len() <= MAX_VERBATIM_REF
        && vms_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if plain {
        format!("{site_id}-{vms_ref}")
    } else {
        let h = Sha256::digest(vms_ref.as_bytes());
        format!("{site_id}-h{}", &hex::encode(h)[..12])
    }
}

/// The keyring account of a site's password.
pub fn site_account(site_id: &str) -> String {
    format!("site/{site_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_ids_are_derived_from_site_and_reference() {
        assert_eq!(camera_id("demo", "1"), "demo-1");
        assert_eq!(
            camera_id("onvif-2", "VideoSource_1"),
            "onvif-2-VideoSource_1"
        );
        let guid = "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";
        let a = camera_id("milestone-1", guid);
        assert_eq!(a, camera_id("milestone-1", guid), "stable");
        assert!(a.starts_with("milestone-1-h") && a.len() == "milestone-1-h".len() + 12);
        assert_ne!(a, camera_id("milestone-2", guid), "per site");
        assert_ne!(camera_id("s", "a/b"), camera_id("s", "a_b"));
        assert!(camera_id("s", "").starts_with("s-h"));
    }

    #[test]
    fn a_request_never_prints_its_password() {
        let r = SiteRequest {
            kind: "onvif".into(),
            address: "http://u:pw1@10.0.0.1".into(),
            password: Some("hunter2".into()),
            ..Default::default()
        };
        let s = format!("{r:?}");
        assert!(!s.contains("hunter2") && !s.contains("pw1"), "{s}");
        let j = serde_json::to_string(&r).unwrap();
        assert!(!j.contains("hunter2"), "{j}");
    }
}
