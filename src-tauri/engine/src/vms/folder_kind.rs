//! Files and folders of recordings as a site (kind `folder`): one file,
//! several files (option `files`, one absolute path a line, beside the
//! address) or a folder tree, opened offline. The offline catalog
//! ([`crate::offline::catalog`]) finds each file's start and camera; each
//! camera group plays as one recording (durations from the files, damaged
//! files reported and skipped). Names are read in the site's time zone.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use super::site::{CameraRecord, SiteCamera, SiteInfo};
use super::{StreamKind, VmsAdapter, VmsError};
use crate::media::source::SourceOpener;
use crate::offline::catalog::{self, Catalog, Hints};
use crate::offline::{container, starts};
use crate::playback::folder::SegmentFolder;
use crate::playback::Recording;
use crate::store::Store;

/// The option listing the paths opened beside the address.
pub const FILES_OPTION: &str = "files";

pub struct FolderKind;

impl SiteKind for FolderKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "folder",
            label: "Files or folder of recordings",
            description: "Exported clips, recorder folders or incident packages on this computer, a USB stick or a share; grouped into cameras by sidecar, name or folder.",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "File or folder", FieldInput::Path)
                    .required()
                    .placeholder("/media/usb/export"),
                FieldSpec::time_zone()
                    .help("the zone file names are written in, and the site's zone"),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        for p in roots(site) {
            if !p.exists() {
                return Err(VmsError::InvalidConfig(format!(
                    "{} is not a file or folder",
                    p.display()
                )));
            }
        }
        if site.name.is_empty() {
            let dir = PathBuf::from(&site.address);
            site.name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| site.address.clone());
        }
        Ok(())
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(FolderSite {
            info: cfg.info,
            store: ctx.store.clone(),
            state: Arc::new(Mutex::new(State::default())),
        }))
    }
}

/// The paths a site opened: its address, then the `files` option's lines.
pub fn roots(site: &SiteInfo) -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from(&site.address)];
    if let Some(files) = site.option(FILES_OPTION) {
        v.extend(
            files
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(PathBuf::from),
        );
    }
    v.dedup();
    v
}

/// Catalogues a site's paths: names in its zone, the operator's starts
/// from `store`, container times.
pub fn scan_site(site: &SiteInfo, store: &Store) -> Result<Catalog, VmsError> {
    let tz = crate::playback::day::zone(&site.time_zone)
        .map_err(|e| VmsError::InvalidConfig(format!("time zone: {e}")))?;
    let operator = |p: &std::path::Path| starts::remembered_start(store, p).map(|s| s.utc_ms);
    catalog::scan(
        &roots(site),
        &Hints {
            tz: &tz,
            operator: &operator,
            container_start: &container::inspect,
        },
    )
    .map_err(|e| VmsError::Site {
        site: site.name.clone(),
        reason: e.to_string(),
    })
}

/// A camera's files (UTC start, path) and the recording made of them.
type CameraFolder = (Vec<(i64, PathBuf)>, Arc<SegmentFolder>);

#[derive(Default)]
struct State {
    catalog: Option<Arc<Catalog>>,
    /// A recording per camera, kept while its files stay the same (its
    /// probes are cached in it).
    folders: HashMap<String, CameraFolder>,
}

pub struct FolderSite {
    info: SiteInfo,
    store: Arc<Store>,
    state: Arc<Mutex<State>>,
}

impl FolderSite {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Catalogues the paths again and lists the cameras.
    fn list(&self) -> Result<Vec<CameraRecord>, VmsError> {
        let cat = Arc::new(scan_site(&self.info, &self.store)?);
        let cams = cat
            .cameras
            .iter()
            .map(|c| {
                let mut r = CameraRecord::recordings_only(c.key.clone(), c.key.clone());
                // the real size of its (first readable) file, not an assumed one
                if let Some((w, h, codec)) = c
                    .files
                    .iter()
                    .find_map(|(_, p)| crate::offline::container::video_size(p))
                {
                    r.streams[0].width = w;
                    r.streams[0].height = h;
                    r.streams[0].codec = codec;
                }
                r
            })
            .collect();
        self.lock().catalog = Some(cat);
        Ok(cams)
    }

    fn catalog(&self) -> Result<Arc<Catalog>, VmsError> {
        if let Some(c) = self.lock().catalog.clone() {
            return Ok(c);
        }
        let c = Arc::new(scan_site(&self.info, &self.store)?);
        self.lock().catalog = Some(c.clone());
        Ok(c)
    }
}

#[async_trait::async_trait]
impl VmsAdapter for FolderSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        let me = FolderSite {
            info: self.info.clone(),
            store: self.store.clone(),
            state: self.state.clone(),
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
        Err(self.unsupported("live video (files of recordings)"))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let cat = self.catalog()?;
        let key = &camera.record.vms_ref;
        let files = cat
            .camera(key)
            .map(|c| c.files.clone())
            .ok_or_else(|| VmsError::Site {
                site: self.info.name.clone(),
                reason: format!("no files of camera {key} any more"),
            })?;
        let mut st = self.lock();
        if let Some((f, rec)) = st.folders.get(key) {
            if *f == files {
                return Ok(rec.clone());
            }
        }
        let rec = Arc::new(SegmentFolder::from_files(key.clone(), files.clone()));
        st.folders.insert(key.clone(), (files, rec.clone()));
        Ok(rec)
    }

    fn site_label(&self) -> String {
        self.info.name.clone()
    }
}
