//! Plain RTSP cameras (kind `rtsp`): a site is one camera with a main URL
//! (the site's address), an optional sub URL and transport (options), a user
//! and a password (OS keyring, or memory for the CLI's ad-hoc sources).
use std::collections::BTreeMap;
use std::sync::Arc;

use super::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use super::site::{CameraRecord, SiteCamera, SiteInfo};
use super::{Capabilities, StreamInfo, StreamKind, VmsAdapter, VmsError};
use crate::media::rtsp_input::NetworkInput;
use crate::media::source::SourceOpener;
use crate::secrets::redact::{redact_url, with_credentials};
use crate::secrets::SecretStore;

/// The schemes a stream URL may have.
const SCHEMES: [&str; 4] = ["rtsp", "rtsps", "http", "https"];

pub struct RtspKind;

impl SiteKind for RtspKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "rtsp",
            label: "RTSP camera",
            description: "One camera by its RTSP URL (and an optional sub stream URL).",
            addable: true,
            fields: vec![
                FieldSpec::name().required(),
                FieldSpec::new("address", "Main stream URL", FieldInput::Url)
                    .required()
                    .placeholder("rtsp://10.0.0.20:554/stream1"),
                FieldSpec::new("sub_url", "Sub stream URL", FieldInput::Url)
                    .placeholder("rtsp://10.0.0.20:554/stream2")
                    .help("a smaller stream for small tiles (optional)"),
                FieldSpec::user(),
                FieldSpec::password(),
                FieldSpec::transport(),
                FieldSpec::time_zone(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        if site.name.is_empty() {
            return Err(VmsError::InvalidConfig("a camera needs a name".into()));
        }
        site.address = checked_url(&site.address, "main stream URL")?;
        match site.option("sub_url").map(str::to_string) {
            Some(sub) => {
                let sub = checked_url(&sub, "sub stream URL")?;
                site.options.insert("sub_url".into(), sub);
            }
            None => {
                site.options.remove("sub_url");
            }
        }
        site.check_transport()
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(RtspSite {
            cfg,
            secrets: ctx.secrets.clone(),
        }))
    }
}

/// A stream URL without credentials, with a scheme we open.
fn checked_url(raw: &str, what: &str) -> Result<String, VmsError> {
    let url = url::Url::parse(raw.trim()).map_err(|e| {
        VmsError::InvalidConfig(format!("{what}: not a URL ({e}): {}", redact_url(raw)))
    })?;
    if !SCHEMES.contains(&url.scheme()) {
        return Err(VmsError::InvalidConfig(format!(
            "{what}: unsupported URL scheme {}: use rtsp://",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(VmsError::InvalidConfig(format!(
            "{what}: give the user and password in their own fields, not in the URL"
        )));
    }
    Ok(url.to_string())
}

/// The site row of an RTSP camera (also used by the schema migration).
#[allow(clippy::too_many_arguments)]
pub fn site_info(
    id: &str,
    name: &str,
    main_url: &str,
    sub_url: Option<&str>,
    user: Option<String>,
    transport: &str,
    time_zone: &str,
    created_ms: i64,
) -> SiteInfo {
    let mut options = BTreeMap::new();
    if let Some(s) = sub_url {
        options.insert("sub_url".to_string(), s.to_string());
    }
    options.insert("transport".to_string(), transport.to_string());
    SiteInfo {
        id: id.into(),
        kind: "rtsp".into(),
        name: name.into(),
        address: main_url.into(),
        time_zone: time_zone.into(),
        user,
        tls_pin: None,
        options,
        created_ms,
    }
}

/// The one camera of an RTSP site.
pub fn camera_record(site: &SiteInfo) -> CameraRecord {
    let stream = |kind| StreamInfo {
        kind,
        width: 0,
        height: 0,
        codec: String::new(),
    };
    let mut streams = vec![stream(StreamKind::Main)];
    if site.option("sub_url").is_some() {
        streams.push(stream(StreamKind::Sub));
    }
    CameraRecord {
        vms_ref: "1".into(),
        name: site.name.clone(),
        ptz: false,
        streams,
        capabilities: Capabilities::live_only(),
        extra: serde_json::Value::Null,
    }
}

pub struct RtspSite {
    cfg: SiteConfig,
    secrets: SecretStore,
}

#[async_trait::async_trait]
impl VmsAdapter for RtspSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        // nothing to ask: the site is its URL (the stream is checked when played)
        Ok(vec![camera_record(&self.cfg.info)])
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let site = &self.cfg.info;
        let url = match stream {
            StreamKind::Main => site.address.clone(),
            StreamKind::Sub => {
                site.option("sub_url")
                    .map(str::to_string)
                    .ok_or(VmsError::NoSuchStream {
                        camera: camera.id.clone(),
                        stream: "sub",
                    })?
            }
        };
        let password = self.cfg.password(&self.secrets)?;
        let url = with_credentials(&url, site.user.as_deref(), password.as_deref())
            .map_err(|e| VmsError::InvalidConfig(format!("camera {}: bad URL: {e}", camera.id)))?;
        Ok(Arc::new(NetworkInput::new(url, site.transport())))
    }

    fn site_label(&self) -> String {
        format!("RTSP camera {}", self.cfg.info.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::rtsp_input::Transport;

    fn site(transport: Option<&str>) -> SiteInfo {
        let mut s = site_info(
            "rtsp-1",
            "Gate",
            "rtsp://10.0.0.20:554/s1",
            None,
            None,
            "tcp",
            "UTC",
            0,
        );
        match transport {
            Some(t) => s.options.insert("transport".into(), t.into()),
            None => s.options.remove("transport"),
        };
        s
    }

    #[test]
    fn transport_is_a_site_option_tcp_udp_or_auto() {
        let field = RtspKind
            .spec()
            .fields
            .into_iter()
            .find(|f| f.key == "transport")
            .expect("a transport field in the Sites form");
        assert_eq!(field.choices, ["tcp", "udp", "auto"]);
        for t in ["tcp", "udp", "auto"] {
            let mut s = site(Some(t));
            RtspKind.prepare(&mut s).unwrap();
            assert_eq!(s.option("transport"), Some(t));
            assert_eq!(Transport::parse(t).map(Transport::as_str), Some(t));
        }
        let mut s = site(None);
        RtspKind.prepare(&mut s).unwrap();
        assert_eq!(s.option("transport"), Some("tcp"), "the default stays TCP");
        let err = RtspKind
            .prepare(&mut site(Some("carrier-pigeon")))
            .unwrap_err();
        assert!(err.to_string().contains("tcp, udp or auto"), "{err}");
    }
}
