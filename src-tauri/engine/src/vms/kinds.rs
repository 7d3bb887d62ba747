//! The one table of site kinds. Each kind says which fields its add dialog
//! needs, checks and normalises a site's fields, and opens an adapter from
//! the stored row; probing (connect, log in, list cameras, report
//! capabilities) is the adapter's own listing. Adding a kind is its module
//! plus one line in [`KINDS`].
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::site::{SiteInfo, SiteSecret};
use super::{VmsAdapter, VmsError};
use crate::secrets::SecretStore;
use crate::store::Store;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldInput {
    Text,
    Password,
    Url,
    Number,
    Select,
    Checkbox,
    Path,
    TimeZone,
    TlsPin,
}

/// One field of a kind's add dialog. Keys `name`, `address`, `user`,
/// `password`, `tls_pin` and `time_zone` are the site's own; any other key
/// is a kind-specific option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub input: FieldInput,
    pub required: bool,
    pub placeholder: Option<&'static str>,
    pub help: Option<&'static str>,
    pub default: Option<&'static str>,
    pub choices: Vec<&'static str>,
    pub secret: bool,
}

impl FieldSpec {
    pub const fn new(key: &'static str, label: &'static str, input: FieldInput) -> Self {
        Self {
            key,
            label,
            input,
            required: false,
            placeholder: None,
            help: None,
            default: None,
            choices: Vec::new(),
            secret: matches!(input, FieldInput::Password),
        }
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn placeholder(mut self, p: &'static str) -> Self {
        self.placeholder = Some(p);
        self
    }
    pub fn help(mut self, h: &'static str) -> Self {
        self.help = Some(h);
        self
    }
    pub fn default_value(mut self, d: &'static str) -> Self {
        self.default = Some(d);
        self
    }
    pub fn choices(mut self, c: &[&'static str]) -> Self {
        self.choices = c.to_vec();
        self
    }

    /// The fields every network kind shares, in dialog order.
    pub fn name() -> Self {
        Self::new("name", "Name", FieldInput::Text).placeholder("defaults to what the VMS says")
    }
    pub fn user() -> Self {
        Self::new("user", "User", FieldInput::Text)
    }
    pub fn password() -> Self {
        Self::new("password", "Password", FieldInput::Password)
            .help("kept in the OS keyring, never in the database")
    }
    pub fn tls_pin() -> Self {
        Self::new("tls_pin", "TLS certificate pin", FieldInput::TlsPin)
            .placeholder("sha256:…")
            .help("for a self-signed certificate: its SHA-256 fingerprint, shown when you test the connection")
    }
    /// The RTSP transport of a kind whose live video is RTSP.
    pub fn transport() -> Self {
        Self::new("transport", "Transport", FieldInput::Select)
            .choices(&["tcp", "udp", "auto"])
            .default_value("tcp")
            .help("RTSP transport of live video; auto: UDP, else TCP when the camera refuses UDP or nothing arrives")
    }
    pub fn time_zone() -> Self {
        Self::new("time_zone", "Time zone", FieldInput::TimeZone)
            .help("the site's zone: playback days, the timeline and the VMS's local times use it")
    }
}

/// A kind as the add dialog and `vigil sites add` see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct KindSpec {
    pub kind: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    /// Whether an operator adds sites of this kind (the demo site is built in).
    pub addable: bool,
    pub fields: Vec<FieldSpec>,
}

/// What opening a site needs from the engine.
#[derive(Clone)]
pub struct SiteContext {
    pub store: Arc<Store>,
    pub secrets: SecretStore,
    pub rt: tokio::runtime::Handle,
    /// Per-request timeout of device calls.
    pub request_timeout: Duration,
    /// How many cameras the built-in demo site has.
    pub demo_cameras: usize,
}

/// A site row plus where its password is.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub info: SiteInfo,
    pub secret: SiteSecret,
}

impl SiteConfig {
    /// The site's password (keyring or memory), if it has one.
    pub fn password(&self, secrets: &SecretStore) -> Result<Option<String>, VmsError> {
        match &self.secret {
            SiteSecret::Memory(p) => Ok(p.clone()),
            SiteSecret::Keyring if self.info.user.is_some() => {
                Ok(secrets.get(&super::site::site_account(&self.info.id))?)
            }
            SiteSecret::Keyring => Ok(None),
        }
    }
}

/// A site kind: its dialog, its checks and its adapter.
pub trait SiteKind: Send + Sync {
    fn spec(&self) -> KindSpec;

    /// Checks and normalises a site's fields before anything connects
    /// (address form, options); no network.
    fn prepare(&self, _site: &mut SiteInfo) -> Result<(), VmsError> {
        Ok(())
    }

    /// The adapter of a site of this kind.
    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError>;
}

/// Every kind, registered once here.
pub static KINDS: &[&dyn SiteKind] = &[
    &super::demo::DemoKind,
    &super::rtsp::RtspKind,
    &super::onvif::site::OnvifKind,
    &super::mediamtx_kind::MediaMtxKind,
    &super::folder_kind::FolderKind,
    &super::recorded::RecordedKind,
    &super::dahua::DahuaKind,
    &super::dss::DssKind,
    &super::hikcentral::HikCentralKind,
    &super::hikvision::HikvisionKind,
    &super::milestone::MilestoneKind,
];

/// The kind named `kind`.
pub fn kind(kind: &str) -> Result<&'static dyn SiteKind, VmsError> {
    KINDS
        .iter()
        .copied()
        .find(|k| k.spec().kind == kind)
        .ok_or_else(|| {
            VmsError::UnknownKind(
                kind.to_string(),
                KINDS
                    .iter()
                    .filter(|k| k.spec().addable)
                    .map(|k| k.spec().kind)
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
}

/// The specs of every kind, for the add dialog.
pub fn specs() -> Vec<KindSpec> {
    KINDS.iter().map(|k| k.spec()).collect()
}

/// Checks the fields every kind shares: a name and address without
/// credentials, a valid time zone and TLS pin.
pub fn check_common(site: &mut SiteInfo) -> Result<(), VmsError> {
    site.name = site.name.trim().to_string();
    site.address = site.address.trim().to_string();
    if site.name.chars().count() > 200 {
        return Err(VmsError::InvalidConfig(
            "a site name is at most 200 characters".into(),
        ));
    }
    crate::playback::day::zone(&site.time_zone)
        .map_err(|e| VmsError::InvalidConfig(format!("time zone: {e}")))?;
    site.user = site
        .user
        .take()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if let Some(pin) = site
        .tls_pin
        .take()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
    {
        site.tls_pin = Some(normalise_pin(&pin)?);
    }
    Ok(())
}

/// `sha256:<64 lowercase hex>` from that form or `AB:CD:...`.
pub fn normalise_pin(pin: &str) -> Result<String, VmsError> {
    let hex: String = pin
        .trim()
        .strip_prefix("sha256:")
        .or_else(|| pin.trim().strip_prefix("SHA256:"))
        .unwrap_or(pin.trim())
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VmsError::InvalidConfig(format!(
            "a TLS pin is sha256: and 64 hex digits, not {pin:?}"
        )));
    }
    Ok(format!("sha256:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_once_with_its_fields() {
        let specs = specs();
        let mut names: Vec<_> = specs.iter().map(|s| s.kind).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), specs.len(), "unique kinds");
        for k in ["demo", "rtsp", "onvif", "mediamtx", "folder"] {
            assert!(names.contains(&k), "{k} registered");
        }
        let onvif = specs.iter().find(|s| s.kind == "onvif").unwrap();
        let keys: Vec<_> = onvif.fields.iter().map(|f| f.key).collect();
        for k in ["name", "address", "user", "password", "time_zone"] {
            assert!(keys.contains(&k), "onvif has {k}: {keys:?}");
        }
        assert!(onvif.fields.iter().any(|f| f.key == "password" && f.secret));
        assert!(!specs.iter().find(|s| s.kind == "demo").unwrap().addable);
        assert!(matches!(kind("nope"), Err(VmsError::UnknownKind(..))));
    }

    #[test]
    fn pins_are_normalised_and_checked() {
        let hex = "AB".repeat(32);
        let want = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(normalise_pin(&format!("sha256:{hex}")).unwrap(), want);
        let colons = (0..32).map(|_| "AB").collect::<Vec<_>>().join(":");
        assert_eq!(normalise_pin(&colons).unwrap(), want);
        assert!(normalise_pin("sha256:abc").is_err());
        assert!(normalise_pin(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn kinds_with_rtsp_live_video_take_a_transport() {
        for name in ["rtsp", "onvif", "hikvision", "dahua"] {
            let k = kind(name).unwrap();
            let field = k.spec().fields.into_iter().find(|f| f.key == "transport");
            let field = field.unwrap_or_else(|| panic!("{name} has a transport field"));
            assert_eq!(field.choices, ["tcp", "udp", "auto"], "{name}");
            let address = if name == "rtsp" {
                "rtsp://10.0.0.20:554/s1"
            } else {
                "http://10.0.0.20"
            };
            let mut site = SiteInfo {
                id: "s".into(),
                kind: name.into(),
                name: "Gate".into(),
                address: address.into(),
                time_zone: "UTC".into(),
                user: Some("admin".into()),
                tls_pin: None,
                options: Default::default(),
                created_ms: 0,
            };
            k.prepare(&mut site).unwrap();
            assert_eq!(
                site.option("transport"),
                Some("tcp"),
                "{name}: TCP by default"
            );
            assert_eq!(site.transport(), crate::media::rtsp_input::Transport::Tcp);
            site.options.insert("transport".into(), "udp".into());
            k.prepare(&mut site).unwrap();
            assert_eq!(site.transport(), crate::media::rtsp_input::Transport::Udp);
            site.options.insert("transport".into(), "quic".into());
            let err = k.prepare(&mut site).unwrap_err().to_string();
            assert!(err.contains("tcp, udp or auto"), "{name}: {err}");
        }
    }
}
