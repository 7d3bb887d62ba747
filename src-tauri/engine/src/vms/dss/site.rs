//! The `dss` site kind: a DSS Pro / Express server (address, user, password
//! in the keyring, optional TLS pin). Its cameras are the channels of the
//! organisation tree (reference = the channel id, PTZ from `cameraType`);
//! one [`Session`] per site serves every call, logged out on close.
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::live::live_input;
use super::ptz::DssPtz;
use super::recording::DssRecording;
use super::session::{PasswordSource, Session, SessionConfig, API};
use super::wire;
use crate::media::source::SourceOpener;
use crate::net::http::{client, HttpOptions};
use crate::playback::Recording;
use crate::ptz::PtzControl;
use crate::vms::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use crate::vms::site::{CameraRecord, SiteCamera, SiteInfo};
use crate::vms::{Capabilities, PtzCaps, StreamInfo, StreamKind, VmsAdapter, VmsError};

pub struct DssKind;

/// `http(s)://host[:port]` of an address (a bare `host:port` is https).
pub fn base_url(address: &str) -> Result<url::Url, VmsError> {
    let a = address.trim();
    let with_scheme = if a.contains("://") {
        a.to_string()
    } else {
        format!("https://{a}")
    };
    let bad = |why: &str| {
        VmsError::InvalidConfig(format!(
            "a DSS address is http(s)://host[:port] ({why}): {}",
            crate::secrets::redact::redact_text(a)
        ))
    };
    let u = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !["http", "https"].contains(&u.scheme()) {
        return Err(bad("scheme"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad("credentials go in their own fields"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if !matches!(u.path(), "" | "/") || u.query().is_some() {
        return Err(bad("no path"));
    }
    Ok(u)
}

impl SiteKind for DssKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "dss",
            label: "Dahua DSS Pro / Express",
            description:
                "Cameras of a DSS platform: live, recordings and PTZ through its HTTP API.",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "Server", FieldInput::Url)
                    .required()
                    .placeholder("https://10.0.0.40:443"),
                FieldSpec::user().required(),
                FieldSpec::password(),
                FieldSpec::new("record_source", "Recordings from", FieldInput::Select)
                    .choices(&["central", "device"])
                    .default_value("central")
                    .help("the platform's central storage or the devices' own disks"),
                FieldSpec::tls_pin(),
                FieldSpec::time_zone(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        let u = base_url(&site.address)?;
        site.address = u.as_str().trim_end_matches('/').to_string();
        if site.user.is_none() {
            return Err(VmsError::InvalidConfig("a DSS site needs a user".into()));
        }
        Ok(())
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        let base = base_url(&cfg.info.address)?;
        let pin = match &cfg.info.tls_pin {
            Some(p) => Some(
                crate::net::pin::parse(p)
                    .map_err(|e| VmsError::InvalidConfig(format!("TLS pin: {e}")))?,
            ),
            None => None,
        };
        let http = client(&HttpOptions::with_timeout(ctx.request_timeout).pin(pin))?;
        let label = site_label(&cfg.info);
        let secrets = ctx.secrets.clone();
        let pw_cfg = cfg.clone();
        let password: PasswordSource =
            Arc::new(move || Ok(pw_cfg.password(&secrets)?.unwrap_or_default()));
        let session = Session::new(SessionConfig {
            http,
            base,
            site: label,
            user: cfg.info.user.clone().unwrap_or_default(),
            password,
            rt: ctx.rt.clone(),
        });
        Ok(Arc::new(DssSite {
            inner: Arc::new(Inner {
                cfg,
                session,
                rt: ctx.rt.clone(),
                timeout: ctx.request_timeout,
                ptz_moves: Default::default(),
            }),
        }))
    }
}

fn site_label(info: &SiteInfo) -> String {
    if info.name.is_empty() {
        format!("DSS {}", info.address)
    } else {
        info.name.clone()
    }
}

/// What the adapter's parts share.
pub(crate) struct Inner {
    pub(crate) cfg: SiteConfig,
    pub(crate) session: Arc<Session>,
    pub(crate) rt: tokio::runtime::Handle,
    pub(crate) timeout: Duration,
    /// PTZ moves started and not yet stopped, per channel (a stop repeats
    /// them; the engine asks a new control object per command).
    pub(crate) ptz_moves:
        std::sync::Mutex<std::collections::HashMap<String, Vec<super::ptz::Move>>>,
}

pub struct DssSite {
    inner: Arc<Inner>,
}

impl DssSite {
    /// The session (for tests: how many logins it made).
    pub fn session(&self) -> &Arc<Session> {
        &self.inner.session
    }
}

/// A camera record of a tree channel.
pub fn record(c: &wire::Channel) -> CameraRecord {
    let stream = |kind| StreamInfo {
        kind,
        width: 0,
        height: 0,
        codec: String::new(),
    };
    CameraRecord {
        vms_ref: c.id.clone(),
        name: c.name.clone(),
        ptz: c.ptz,
        streams: vec![stream(StreamKind::Main), stream(StreamKind::Sub)],
        capabilities: Capabilities {
            live: true,
            playback: true,
            reverse: false,
            speeds: vec![1.0],
            export: false,
            snapshot_by_time: false,
            ptz: if c.ptz {
                PtzCaps {
                    continuous: true,
                    step: true,
                    presets: false,
                    home: false,
                }
            } else {
                PtzCaps::NONE
            },
        },
        extra: json!({ "device": c.device }),
    }
}

#[async_trait::async_trait]
impl VmsAdapter for DssSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        let body = json!({"categories": ["1"], "containVirtualDevice": "1", "resourceTypes": []});
        let raw = self
            .inner
            .session
            .call_raw(reqwest::Method::POST, &format!("{API}/tree/devices"), &body)
            .await?;
        let chans = wire::parse_tree(&raw).map_err(|e| VmsError::Site {
            site: self.site_label(),
            reason: e.to_string(),
        })?;
        Ok(chans.iter().map(record).collect())
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        Ok(Arc::new(live_input(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
            &camera.id,
            stream,
        )))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        Ok(Arc::new(DssRecording::new(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
            stream,
        )))
    }

    fn ptz(&self, camera: &SiteCamera) -> Result<Arc<dyn PtzControl>, VmsError> {
        if !camera.record.ptz {
            return Err(VmsError::Unsupported {
                site: self.site_label(),
                capability: "PTZ (the channel is not a PTZ camera)",
            });
        }
        Ok(Arc::new(DssPtz::new(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
        )))
    }

    async fn close(&self) {
        self.inner.session.logout().await;
    }

    fn name_hint(&self) -> Option<String> {
        Some(format!("DSS {}", self.inner.session.host()))
    }

    fn site_label(&self) -> String {
        site_label(&self.inner.cfg.info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_and_checked() {
        assert_eq!(
            base_url("10.0.0.4:443").unwrap().as_str(),
            "https://10.0.0.4/"
        );
        assert_eq!(
            base_url("http://127.0.0.1:8080/").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        for bad in [
            "ftp://h",
            "http://u:pw@h",
            "http://h/brms",
            "http://h/?token=x",
            "http://",
        ] {
            let e = base_url(bad).unwrap_err().to_string();
            assert!(!e.contains("pw@"), "{e}");
        }
        let spec = DssKind.spec();
        assert!(spec.fields.iter().any(|f| f.key == "password" && f.secret));
    }
}
