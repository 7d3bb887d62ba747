//! What a case's package holds: the case record (`case.json`: the case and
//! its footage jobs), each done clip with its footage sidecar, and each
//! snapshot, with camera, UTC span and source from the footage worker's
//! records. A file whose bytes changed since the worker wrote it is refused
//! when copied (its SHA-256 is checked against the record).
use std::path::Path;

use super::package::{CameraRef, CaseRef, FileKind, ItemData, PackageItem, SourceRef};
use crate::cases::{rfc3339_ms, CaseDetail};
use crate::footage::{JobKind, JobStatus};

/// Site id to (site name, VMS kind), when known.
pub type SiteLookup<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

/// The case's reference for the manifest.
pub fn case_ref(d: &CaseDetail) -> CaseRef {
    CaseRef {
        id: d.case.id.clone(),
        label: d.case.label.clone(),
        title: d.case.title.clone(),
        event: rfc3339_ms(d.case.event_ms),
    }
}

/// Items for a case's package, and how many media are not done (left out).
pub fn case_items(d: &CaseDetail, sites: SiteLookup<'_>) -> (Vec<PackageItem>, usize) {
    let mut items = vec![PackageItem {
        data: ItemData::Bytes(serde_json::to_vec_pretty(d).unwrap_or_default()),
        dest: "case.json".into(),
        kind: FileKind::Case,
        camera: None,
        start_ms: Some(d.case.event_ms),
        end_ms: Some(d.case.event_ms),
        source: None,
        expected_sha256: None,
    }];
    let mut not_done = 0;
    for j in &d.jobs {
        let Some(m) = j.media.as_ref().filter(|_| j.status == JobStatus::Done) else {
            not_done += 1;
            continue;
        };
        let camera = CameraRef {
            id: j.camera_id.clone(),
            name: d
                .case
                .cameras
                .iter()
                .find(|c| c.camera_id == j.camera_id)
                .map(|c| c.camera_name.clone())
                .unwrap_or_else(|| j.camera_id.clone()),
        };
        let (site, vms) = match sites(&j.site_id) {
            Some((name, kind)) => (format!("{name} ({})", j.site_id), kind),
            None => (j.site_id.clone(), String::new()),
        };
        let source = SourceRef {
            site: Some(site),
            vms: (!vms.is_empty()).then_some(vms),
            file: Some(m.source.clone()),
        };
        let dir = match j.kind {
            JobKind::Clip => "clips",
            JobKind::Snapshot => "snapshots",
        };
        let path = Path::new(&m.path);
        let name = file_name(path);
        items.push(PackageItem {
            data: ItemData::File(path.to_path_buf()),
            dest: format!("{dir}/{name}"),
            kind: match j.kind {
                JobKind::Clip => FileKind::Clip,
                JobKind::Snapshot => FileKind::Snapshot,
            },
            camera: Some(camera.clone()),
            start_ms: m.actual_start_ms,
            end_ms: m.actual_end_ms,
            source: Some(source.clone()),
            expected_sha256: Some(m.sha256.clone()),
        });
        if let (Some(sp), Some(ss)) = (&m.sidecar_path, &m.sidecar_sha256) {
            let sp = Path::new(sp);
            items.push(PackageItem {
                data: ItemData::File(sp.to_path_buf()),
                dest: format!("{dir}/{}", file_name(sp)),
                kind: FileKind::Annotation,
                camera: Some(camera),
                start_ms: m.actual_start_ms,
                end_ms: m.actual_end_ms,
                source: Some(source),
                expected_sha256: Some(ss.clone()),
            });
        }
    }
    (items, not_done)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}
