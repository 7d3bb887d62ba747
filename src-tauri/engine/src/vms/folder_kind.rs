//! A folder of recorded segments as a site (kind `folder`): the folder
//! itself is one camera when it holds segments, else each subfolder that
//! holds them is a camera. Segment names are read in the site's time zone.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use super::site::{CameraRecord, SiteCamera, SiteInfo};
use super::{StreamKind, VmsAdapter, VmsError};
use crate::media::source::SourceOpener;
use crate::playback::folder::SegmentFolder;
use crate::playback::Recording;

/// The camera reference of the folder itself.
const SELF_REF: &str = ".";
/// At most this many camera folders are listed.
const MAX_CAMERAS: usize = 256;

pub struct FolderKind;

impl SiteKind for FolderKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "folder",
            label: "Folder of recordings",
            description:
                "Recorded segment files on this computer or a share; one camera per subfolder.",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "Folder", FieldInput::Path)
                    .required()
                    .placeholder("/srv/recordings"),
                FieldSpec::time_zone()
                    .help("the zone the segment names are written in, and the site's zone"),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        let dir = PathBuf::from(&site.address);
        if !dir.is_dir() {
            return Err(VmsError::InvalidConfig(format!(
                "{} is not a folder",
                site.address
            )));
        }
        if site.name.is_empty() {
            site.name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| site.address.clone());
        }
        Ok(())
    }

    fn open(&self, _ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(FolderSite { info: cfg.info }))
    }
}

/// Whether a folder directly holds files that look like segments.
fn has_segments(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten().take(10_000).any(|e| {
                e.file_type().map(|t| t.is_file()).unwrap_or(false)
                    && crate::playback::segment_name::parse_stem(
                        Path::new(&e.file_name())
                            .file_stem()
                            .and_then(|s| s.to_str())
                            .unwrap_or_default(),
                    )
                    .is_some()
            })
        })
        .unwrap_or(false)
}

pub struct FolderSite {
    info: SiteInfo,
}

impl FolderSite {
    fn list(&self) -> Result<Vec<CameraRecord>, VmsError> {
        let root = PathBuf::from(&self.info.address);
        let unreachable = |e: std::io::Error| VmsError::Site {
            site: self.info.name.clone(),
            reason: format!("cannot read {}: {e}", root.display()),
        };
        let mut refs = Vec::new();
        if has_segments(&root) {
            refs.push(SELF_REF.to_string());
        }
        let mut subs: Vec<String> = std::fs::read_dir(&root)
            .map_err(unreachable)?
            .flatten()
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.'))
            .filter(|n| has_segments(&root.join(n)))
            .collect();
        subs.sort();
        refs.extend(subs.into_iter().take(MAX_CAMERAS));
        Ok(refs
            .into_iter()
            .map(|r| {
                let name = if r == SELF_REF {
                    self.info.name.clone()
                } else {
                    r.clone()
                };
                CameraRecord::recordings_only(r, name)
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl VmsAdapter for FolderSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        let me = FolderSite {
            info: self.info.clone(),
        };
        tokio::task::spawn_blocking(move || me.list())
            .await
            .map_err(|e| VmsError::Site {
                site: self.info.name.clone(),
                reason: format!("listing stopped: {e}"),
            })?
    }

    fn live_source(
        &self,
        _camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        Err(self.unsupported("live video (a folder of recordings)"))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let root = PathBuf::from(&self.info.address);
        let dir = if camera.record.vms_ref == SELF_REF {
            root
        } else {
            root.join(&camera.record.vms_ref)
        };
        let tz = crate::playback::day::zone(&self.info.time_zone)
            .map_err(|e| VmsError::InvalidConfig(format!("time zone: {e}")))?;
        let f = SegmentFolder::new(dir, tz).map_err(|e| VmsError::Site {
            site: self.info.name.clone(),
            reason: e.to_string(),
        })?;
        Ok(Arc::new(f))
    }

    fn site_label(&self) -> String {
        self.info.name.clone()
    }
}
