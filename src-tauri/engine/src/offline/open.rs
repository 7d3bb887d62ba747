//! The engine's offline operations (what File > Open, drag and drop,
//! `vigil-app PATH` and `vigil open PATH` call): open paths as a stored
//! `folder` site (reused when the same paths are opened again, so camera
//! ids stay the same), report each camera's spans and each file's start,
//! source and problem; take the operator's start for a file; the recent list.
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::banner::{self, PackageBanner};
use super::catalog::StartSource;
use super::starts::{self, OperatorStart, RecentOpen};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::playback::bounds;
use crate::playback::Span;
use crate::vms::folder_kind::{roots, scan_site, FILES_OPTION};
use crate::vms::site::{camera_id, SiteInfo, SiteRequest};
use crate::vms::StreamKind;

/// How far past a camera's last file start its spans are looked for.
const SPAN_REACH_MS: i64 = 7 * 86_400_000;

/// A camera of an opened path, with where it has recordings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OfflineCamera {
    pub id: String,
    pub name: String,
    pub spans: Vec<Span>,
}

/// A file of an opened path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OfflineFile {
    pub path: String,
    /// The camera it plays on (none until its start is known).
    pub camera_id: Option<String>,
    #[ts(type = "number | null")]
    pub start_ms: Option<i64>,
    pub source: Option<StartSource>,
    /// Why it does not play (fully or at all): unreadable, truncated.
    pub problem: Option<String>,
}

/// What opening paths found.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct OfflineOpen {
    pub site: SiteInfo,
    pub cameras: Vec<OfflineCamera>,
    pub files: Vec<OfflineFile>,
    /// Files whose start nobody knows yet: the operator is asked.
    pub needs_start: Vec<String>,
    /// The verification of an incident package among the paths.
    pub package: Option<PackageBanner>,
    /// Files left out because there were too many.
    pub left_out: usize,
}

/// The absolute, resolved form of each path (each must exist), without repeats.
fn resolve(paths: &[PathBuf]) -> Result<Vec<PathBuf>, EngineError> {
    if paths.is_empty() {
        return Err(EngineError::InvalidInput("nothing to open".into()));
    }
    let mut out: Vec<PathBuf> = Vec::new();
    for p in paths {
        let c = std::fs::canonicalize(p)
            .map_err(|e| EngineError::InvalidInput(format!("{}: {e}", p.display())))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

impl Engine {
    /// Opens files and folders as an offline site: the stored `folder` site
    /// of the same paths when there is one (listed again), else a new one
    /// whose file names are read in `time_zone` (default: the engine's site
    /// zone). Put at the top of the recent list.
    pub async fn open_offline(
        &self,
        paths: &[PathBuf],
        time_zone: Option<&str>,
    ) -> Result<OfflineOpen, EngineError> {
        let paths = resolve(paths)?;
        let address = paths[0].display().to_string();
        let rest: Vec<String> = paths[1..].iter().map(|p| p.display().to_string()).collect();
        let existing = self
            .sites()
            .into_iter()
            .map(|s| s.site)
            .find(|s| s.kind == "folder" && roots(s) == paths);
        let site = match existing {
            Some(s) => {
                self.refresh_site(&s.id).await?;
                self.registry.site(&s.id)?
            }
            None => {
                let mut req = SiteRequest {
                    kind: "folder".into(),
                    address,
                    time_zone: time_zone.map(str::to_string),
                    ..Default::default()
                };
                if !rest.is_empty() {
                    req.options.insert(FILES_OPTION.into(), rest.join("\n"));
                }
                self.add_site(req).await?.site
            }
        };
        starts::push_recent(&self.store, &paths, &site.id)?;
        self.offline_report(site).await
    }

    /// The cameras, spans and files of an offline site as it is now.
    async fn offline_report(&self, site: SiteInfo) -> Result<OfflineOpen, EngineError> {
        let (store, s2) = (self.store.clone(), site.clone());
        let catalog = tokio::task::spawn_blocking(move || scan_site(&s2, &store))
            .await
            .map_err(|e| EngineError::InvalidInput(format!("the catalogue stopped: {e}")))??;
        let mut cameras = Vec::new();
        let mut problems: Vec<String> = Vec::new();
        for c in &catalog.cameras {
            let id = camera_id(&site.id, &c.key);
            let first = c.files.first().map_or(0, |f| f.0);
            let last = c.files.last().map_or(0, |f| f.0);
            let spans = self
                .recordings_async(
                    &id,
                    first,
                    bounds::clamp(last.saturating_add(SPAN_REACH_MS)),
                )
                .await?;
            problems.extend(self.registry.recording(&id, StreamKind::Main)?.problems());
            cameras.push(OfflineCamera {
                id,
                name: c.key.clone(),
                spans,
            });
        }
        let problem_of = |p: &Path| {
            let prefix = format!("{}: ", p.display());
            problems
                .iter()
                .find_map(|x| x.strip_prefix(&prefix).map(str::to_string))
        };
        let files: Vec<OfflineFile> = catalog
            .files
            .iter()
            .map(|f| OfflineFile {
                path: f.path.display().to_string(),
                camera_id: f.start_ms.map(|_| camera_id(&site.id, &f.camera)),
                start_ms: f.start_ms,
                source: f.source,
                problem: f.problem.clone().or_else(|| problem_of(&f.path)),
            })
            .collect();
        let needs_start = files
            .iter()
            .filter(|f| f.start_ms.is_none() && f.problem.is_none())
            .map(|f| f.path.clone())
            .collect();
        let package = roots(&site)
            .iter()
            .find(|r| banner::is_package(r))
            .map(|r| banner::from_report(r, self.verify_evidence_package(r)));
        Ok(OfflineOpen {
            site,
            cameras,
            files,
            needs_start,
            package,
            left_out: catalog.left_out,
        })
    }

    /// Remembers the operator's start for a file (a civil time and its
    /// zone); the offline sites are listed again so it plays at once.
    pub async fn set_offline_file_start(
        &self,
        path: &Path,
        civil: &str,
        zone: &str,
    ) -> Result<OperatorStart, EngineError> {
        let path = std::fs::canonicalize(path)
            .map_err(|e| EngineError::InvalidInput(format!("{}: {e}", path.display())))?;
        let start = starts::operator_start(civil, zone)
            .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        starts::remember_start(&self.store, &path, &start)
            .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        let folder_sites: Vec<String> = self
            .sites()
            .into_iter()
            .filter(|s| s.site.kind == "folder")
            .filter(|s| roots(&s.site).iter().any(|r| path.starts_with(r)))
            .map(|s| s.site.id)
            .collect();
        for id in folder_sites {
            self.refresh_site(&id).await?;
        }
        Ok(start)
    }

    /// The recently opened paths, newest first.
    pub fn offline_recent(&self) -> Vec<RecentOpen> {
        starts::recent(&self.store)
    }
}
