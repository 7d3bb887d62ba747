//! MediaMTX as a site (kind `mediamtx`): the playback server's address, the
//! recorded paths to show (one camera each), and the site's user and
//! password (Basic). Recordings only: MediaMTX's live side is plain RTSP
//! (add those as `rtsp` sites).
use std::sync::Arc;

use super::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use super::site::{CameraRecord, SiteCamera, SiteInfo};
use super::{StreamKind, VmsAdapter, VmsError};
use crate::media::source::SourceOpener;
use crate::playback::mediamtx::MediaMtx;
use crate::playback::Recording;
use crate::secrets::SecretStore;

pub struct MediaMtxKind;

/// The site's paths option, split and trimmed.
fn paths(site: &SiteInfo) -> Vec<String> {
    site.option("paths")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

impl SiteKind for MediaMtxKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "mediamtx",
            label: "MediaMTX recordings",
            description: "Recorded paths of a MediaMTX server through its playback API.",
            addable: true,
            fields: vec![
                FieldSpec::name().placeholder("MediaMTX"),
                FieldSpec::new("address", "Playback server", FieldInput::Url)
                    .required()
                    .placeholder("http://10.0.0.5:9996"),
                FieldSpec::new("paths", "Paths", FieldInput::Text)
                    .required()
                    .placeholder("cam1, cam2")
                    .help("the recorded paths to show, comma-separated; one camera each"),
                FieldSpec::user(),
                FieldSpec::password(),
                FieldSpec::time_zone(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        let url = url::Url::parse(&site.address)
            .map_err(|e| VmsError::InvalidConfig(format!("the playback server is a URL: {e}")))?;
        if !["http", "https"].contains(&url.scheme()) || !url.username().is_empty() {
            return Err(VmsError::InvalidConfig(
                "the playback server is http(s)://host:port, credentials in their own fields"
                    .into(),
            ));
        }
        if site.tls_pin.is_some() {
            // the clips themselves are read by FFmpeg, which cannot take a pin
            return Err(VmsError::InvalidConfig(
                "a MediaMTX site cannot pin a certificate yet (FFmpeg reads its clips and verifies against the system's roots): give the server a certificate the system trusts".into(),
            ));
        }
        let p = paths(site);
        if p.is_empty() {
            return Err(VmsError::InvalidConfig(
                "name at least one recorded path".into(),
            ));
        }
        site.address = site.address.trim_end_matches('/').to_string();
        site.options.insert("paths".into(), p.join(","));
        if site.name.is_empty() {
            site.name = format!("MediaMTX {}", url.host_str().unwrap_or_default());
        }
        Ok(())
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(MediaMtxSite {
            cfg,
            secrets: ctx.secrets.clone(),
        }))
    }
}

pub struct MediaMtxSite {
    cfg: SiteConfig,
    secrets: SecretStore,
}

impl MediaMtxSite {
    fn open_path(&self, path: &str) -> Result<MediaMtx, VmsError> {
        let auth = match &self.cfg.info.user {
            Some(u) => Some((
                u.clone(),
                self.cfg.password(&self.secrets)?.unwrap_or_default(),
            )),
            None => None,
        };
        MediaMtx::new(&self.cfg.info.address, path, auth).map_err(|e| VmsError::Site {
            site: self.cfg.info.name.clone(),
            reason: e.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl VmsAdapter for MediaMtxSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        Ok(paths(&self.cfg.info)
            .into_iter()
            .map(|p| CameraRecord::recordings_only(p.clone(), p))
            .collect())
    }

    fn live_source(
        &self,
        _camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        Err(self.unsupported("live video (MediaMTX playback is recordings only)"))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        Ok(Arc::new(self.open_path(&camera.record.vms_ref)?))
    }

    fn site_label(&self) -> String {
        self.cfg.info.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(pin: Option<&str>) -> SiteInfo {
        SiteInfo {
            id: "probe".into(),
            kind: "mediamtx".into(),
            name: String::new(),
            address: "https://10.0.0.9:9996/".into(),
            time_zone: "UTC".into(),
            user: None,
            tls_pin: pin.map(str::to_string),
            options: [("paths".to_string(), " cam1, ,cam2 ".to_string())].into(),
            created_ms: 0,
        }
    }

    #[test]
    fn paths_are_normalised_and_a_pin_is_refused_not_ignored() {
        let mut s = site(None);
        MediaMtxKind.prepare(&mut s).unwrap();
        assert_eq!(s.address, "https://10.0.0.9:9996");
        assert_eq!(s.option("paths"), Some("cam1,cam2"));
        assert_eq!(s.name, "MediaMTX 10.0.0.9");
        let pin = format!("sha256:{}", "ab".repeat(32));
        let e = MediaMtxKind.prepare(&mut site(Some(&pin))).unwrap_err();
        assert!(matches!(e, VmsError::InvalidConfig(_)), "{e}");
        assert!(!MediaMtxKind
            .spec()
            .fields
            .iter()
            .any(|f| f.key == "tls_pin"));
    }
}
