//! A console's local record of bus cases when it does not share the
//! workers' database: `case.created` makes a case row (once per bus id,
//! mapped by the setting `bus.mirror.<bus id>`, no cameras, no jobs: this
//! console cuts nothing), and `case.media.ready` adds each file the workers
//! cut as a done job with its media, at its path under this console's media
//! root (the shared media root: `Footage|Snapshot/YYYYMMDD/<file>`, the day
//! read from the file name). Repeating an event changes nothing.
//!
//! A console that shares the workers' database finds the workers' case
//! (`bus.case.<bus id>`) and records nothing; a record it made before the
//! worker created the case is dropped by [`forget`] when the worker does
//! (the worker's case replaces it).
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};

use super::message::{CaseCreated, MediaReady, ReadyFile};
use super::BusError;
use crate::store::{now_ms, Store};

fn key(bus_id: &str) -> String {
    format!("bus.mirror.{bus_id}")
}

fn storage(e: impl std::fmt::Display) -> BusError {
    BusError::Storage(e.to_string())
}

/// The local case standing for a bus case: the workers' (shared database)
/// or this console's record, if any.
pub fn local_case(store: &Store, bus_id: &str) -> Result<Option<String>, BusError> {
    if let Some(id) = workers_case(store, bus_id)? {
        return Ok(Some(id));
    }
    store.setting(&key(bus_id)).map_err(storage)
}

fn workers_case(store: &Store, bus_id: &str) -> Result<Option<String>, BusError> {
    let id = store
        .setting(&format!("bus.case.{bus_id}"))
        .map_err(storage)?;
    Ok(id.filter(|id| case_exists(store, id).unwrap_or(false)))
}

fn case_exists(store: &Store, id: &str) -> Result<bool, BusError> {
    store
        .conn()
        .query_row("SELECT 1 FROM cases WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
        .map_err(storage)
}

/// How far ahead of this console's clock a heard case may be (clock skew
/// between hosts); later ones are dead-lettered by the workers, not recorded.
pub const SKEW_MS: i64 = 60_000;

/// Records a case heard on the bus; returns the local case id and whether
/// a record was made now; `None` for a case in the future.
pub fn record_created(store: &Store, m: &CaseCreated) -> Result<Option<(String, bool)>, BusError> {
    if let Some(id) = local_case(store, &m.id)? {
        if case_exists(store, &id)? {
            return Ok(Some((id, false)));
        }
    }
    if m.event_ms() > now_ms() + SKEW_MS {
        return Ok(None);
    }
    let title: String = if m.case_no.trim().is_empty() {
        format!("Bus case {}", m.id)
    } else {
        m.case_no.trim().chars().take(200).collect()
    };
    let tag: String = m.equipment_tag.trim().chars().take(200).collect();
    let id = format!("case-{:016x}", rand::random::<u64>());
    let now = now_ms();
    {
        let mut conn = store.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(storage)?;
        let number: i64 = tx
            .query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM cases", [], |r| {
                r.get(0)
            })
            .map_err(storage)?;
        tx.execute(
            "INSERT INTO cases (id, number, title, event_ms, equipment_id, equipment_kind,
               equipment_name, status, notes, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, 'bus', ?5, 'open', ?6, ?7, ?7)",
            params![
                id,
                number,
                title,
                m.event_ms(),
                tag,
                format!("From the bus: case {} ({tag})", m.id),
                now
            ],
        )
        .map_err(storage)?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key(&m.id), id],
        )
        .map_err(storage)?;
        tx.commit().map_err(storage)?;
    }
    Ok(Some((id, true)))
}

/// Where a ready file is under `root`: `Footage/` (clips) or `Snapshot/`,
/// the day of the stamp at the end of its name
/// (`C-000007_demo-1_20231114T221320.123Z.mp4`). `None` for a name that
/// is not a plain file name of that shape.
pub fn media_path_of(root: &Path, f: &ReadyFile) -> Option<PathBuf> {
    let name = f.file_name.as_str();
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') || name.contains("..")
    {
        return None;
    }
    let stamp = name.rsplit('_').next()?;
    let day = stamp.get(..8)?;
    if !day.bytes().all(|b| b.is_ascii_digit()) || stamp.as_bytes().get(8) != Some(&b'T') {
        return None;
    }
    let dir = match f.kind.as_str() {
        "clip" => "Footage",
        "snapshot" => "Snapshot",
        _ => return None,
    };
    Some(root.join(dir).join(day).join(name))
}

/// What recording a media-ready event did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MediaRecorded {
    /// The local case (`None`: none recorded, e.g. no media root).
    pub case_id: Option<String>,
    /// Files recorded now.
    pub added: usize,
    /// Files not found under the media root (or with an unusable name).
    pub missing: Vec<String>,
}

/// Records the files of a media-ready event under the console's media
/// root; makes the case record first if `case.created` was missed. In a
/// database shared with the workers nothing is recorded (their jobs are
/// the record).
pub fn record_media(
    store: &Store,
    media_root: Option<&Path>,
    r: &MediaReady,
) -> Result<MediaRecorded, BusError> {
    if let Some(id) = workers_case(store, &r.id)? {
        forget(store, &r.id)?;
        return Ok(MediaRecorded {
            case_id: Some(id),
            ..Default::default()
        });
    }
    let created = CaseCreated {
        id: r.id.clone(),
        timestamp: crate::cases::rfc3339_ms(r.event_ms),
        equipment_tag: String::new(),
        device_data: String::new(),
        case_no: if r.case_no.is_empty() {
            r.label.clone()
        } else {
            r.case_no.clone()
        },
    };
    let Some((case_id, _)) = record_created(store, &created)? else {
        return Ok(MediaRecorded::default());
    };
    let mut out = MediaRecorded {
        case_id: Some(case_id.clone()),
        ..Default::default()
    };
    let Some(root) = media_root else {
        out.missing = r.files.iter().map(|f| f.file_name.clone()).collect();
        return Ok(out);
    };
    let now = now_ms();
    let mut conn = store.conn();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(storage)?;
    for f in &r.files {
        let Some(path) = media_path_of(root, f) else {
            out.missing.push(f.file_name.clone());
            continue;
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            out.missing.push(f.file_name.clone());
            continue;
        };
        if !meta.is_file() {
            out.missing.push(f.file_name.clone());
            continue;
        }
        let position: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM case_cameras WHERE case_id = ?1",
                [&case_id],
                |r| r.get(0),
            )
            .map_err(storage)?;
        tx.execute(
            "INSERT OR IGNORE INTO case_cameras (case_id, camera_id, camera_name, role, position)
             VALUES (?1, ?2, ?2, 'nearest', ?3)",
            params![case_id, f.camera_id, position],
        )
        .map_err(storage)?;
        // a clip's sidecar (written by the worker beside it) tells its window
        let sc = (f.kind == "clip").then(|| sidecar_of(&path)).flatten();
        let (site, win, actual, frames, method, source) = match &sc {
            Some(s) => (
                s.site_id.as_str(),
                (s.requested.start_ms, s.requested.end_ms),
                (Some(s.actual.start_ms), Some(s.actual.end_ms)),
                s.frames as i64,
                s.method.as_str(),
                s.source.as_str(),
            ),
            None => (
                "bus",
                (r.event_ms, r.event_ms),
                (None, None),
                0,
                "bus",
                "a bus worker",
            ),
        };
        let n = tx
            .execute(
                "INSERT OR IGNORE INTO footage_jobs (case_id, camera_id, kind, site_id, event_ms,
                   window_start_ms, window_end_ms, status, due_at_ms, first_due_at_ms,
                   progress, created_at_ms, updated_at_ms, done_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'done', ?8, ?8, 1, ?8, ?8, ?8)",
                params![
                    case_id,
                    f.camera_id,
                    f.kind,
                    site,
                    r.event_ms,
                    win.0,
                    win.1,
                    now
                ],
            )
            .map_err(storage)?;
        if n == 0 {
            continue; // recorded before
        }
        let job_id = tx.last_insert_rowid();
        let sidecar = (f.kind == "clip")
            .then(|| crate::footage::paths::sidecar_path(&path))
            .filter(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned());
        tx.execute(
            "INSERT INTO case_media (job_id, case_id, camera_id, kind, path, sha256, bytes,
               sidecar_path, actual_start_ms, actual_end_ms, frames, method, source, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                job_id,
                case_id,
                f.camera_id,
                f.kind,
                path.to_string_lossy(),
                f.sha256,
                meta.len() as i64,
                sidecar,
                actual.0,
                actual.1,
                frames,
                method,
                source,
                now
            ],
        )
        .map_err(storage)?;
        out.added += 1;
    }
    tx.commit().map_err(storage)?;
    Ok(out)
}

/// The sidecar beside a clip, if it is there and reads (at most 1 MiB).
fn sidecar_of(clip: &Path) -> Option<crate::footage::Sidecar> {
    let p = crate::footage::paths::sidecar_path(clip);
    if std::fs::metadata(&p).ok()?.len() > 1 << 20 {
        return None;
    }
    crate::footage::Sidecar::parse(&std::fs::read(p).ok()?).ok()
}

/// Drops this database's record of a bus case (the workers' case replaces
/// it when the database is shared).
pub fn forget(store: &Store, bus_id: &str) -> Result<(), BusError> {
    let Some(id) = store.setting(&key(bus_id)).map_err(storage)? else {
        return Ok(());
    };
    let mut conn = store.conn();
    let tx = conn.transaction().map_err(storage)?;
    tx.execute("DELETE FROM cases WHERE id = ?1", [&id])
        .map_err(storage)?;
    tx.execute("DELETE FROM settings WHERE key = ?1", [key(bus_id)])
        .map_err(storage)?;
    tx.commit().map_err(storage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::CaseFilter;
    use crate::footage::JobStatus;

    fn created(id: &str, at: i64) -> CaseCreated {
        CaseCreated {
            id: id.into(),
            timestamp: crate::cases::rfc3339_ms(at),
            equipment_tag: "DOOR-B2-07".into(),
            device_data: "{}".into(),
            case_no: format!("CASE-{id}"),
        }
    }

    fn file(kind: &str, cam: &str, at: i64) -> ReadyFile {
        let p = crate::footage::paths::media_path(
            Path::new("/"),
            crate::footage::JobKind::parse(kind).unwrap(),
            "C-000009",
            cam,
            at,
        );
        ReadyFile {
            camera_id: cam.into(),
            kind: kind.into(),
            file_name: p.file_name().unwrap().to_string_lossy().into_owned(),
            pointer_url: "http://x/f".into(),
            sha256: "ab".repeat(32),
        }
    }

    fn ready(id: &str, at: i64, files: Vec<ReadyFile>) -> MediaReady {
        MediaReady {
            id: id.into(),
            case_no: format!("CASE-{id}"),
            case_id: "case-of-the-workers".into(),
            label: "C-000009".into(),
            event_ms: at,
            files,
            failed: vec![],
        }
    }

    #[test]
    fn a_heard_case_is_recorded_once_and_its_media_as_they_land() {
        let st = Store::open_in_memory().unwrap();
        let root = tempfile::tempdir().unwrap();
        st.set_media_root(root.path()).unwrap();
        let at = 1_768_314_600_250;
        let (id, new) = record_created(&st, &created("4711", at)).unwrap().unwrap();
        assert!(new);
        assert_eq!(
            record_created(&st, &created("4711", at)).unwrap(),
            Some((id.clone(), false))
        );
        let list = st.cases(&CaseFilter::default()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].title, "CASE-4711");
        assert_eq!(list[0].event_ms, at);

        // two files on the shared root, one not (yet)
        let files = vec![
            file("clip", "demo:1", at),
            file("snapshot", "demo:1", at),
            file("clip", "folder-1-north", at),
        ];
        for f in &files[..2] {
            let p = media_path_of(root.path(), f).unwrap();
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"media").unwrap();
        }
        let clip = media_path_of(root.path(), &files[0]).unwrap();
        std::fs::write(
            crate::footage::paths::sidecar_path(&clip),
            serde_json::json!({"format": "vigil-footage-sidecar/1", "caseId": "c", "caseLabel": "C-000009",
              "cameraId": "demo:1", "cameraName": "Demo 1", "siteId": "demo", "event": "",
              "requested": {"start": "", "end": "", "startMs": at - 5_000, "endMs": at + 6_000},
              "actual": {"start": "", "end": "", "startMs": at - 4_950, "endMs": at + 5_950},
              "frames": 165, "method": "encode", "source": "demo", "codec": "h264", "gaps": [],
              "segments": [], "files": [], "created": ""})
            .to_string(),
        )
        .unwrap();
        let r = ready("4711", at, files.clone());
        let got = record_media(&st, Some(root.path()), &r).unwrap();
        assert_eq!(got.case_id.as_deref(), Some(id.as_str()));
        assert_eq!(got.added, 2);
        assert_eq!(got.missing, [files[2].file_name.clone()]);
        // the missing one lands; the event again adds only it
        let p = media_path_of(root.path(), &files[2]).unwrap();
        std::fs::write(&p, b"clip").unwrap();
        assert_eq!(record_media(&st, Some(root.path()), &r).unwrap().added, 1);
        assert_eq!(record_media(&st, Some(root.path()), &r).unwrap().added, 0);
        let jobs = st.footage_jobs_of_case(&id).unwrap();
        assert_eq!(jobs.len(), 3);
        for j in &jobs {
            assert_eq!(j.status, JobStatus::Done);
            let m = j.media.as_ref().unwrap();
            assert!(Path::new(&m.path).starts_with(root.path()), "{}", m.path);
            assert!(Path::new(&m.path).is_file());
        }
        let j = jobs
            .iter()
            .find(|j| j.kind.as_str() == "clip" && j.camera_id == "demo:1")
            .unwrap();
        let m = j.media.as_ref().unwrap();
        assert_eq!(
            (j.window_start_ms, j.window_end_ms),
            (at - 5_000, at + 6_000)
        );
        assert_eq!(
            (m.actual_start_ms, m.actual_end_ms, m.frames),
            (Some(at - 4_950), Some(at + 5_950), 165)
        );
        assert!(m.sidecar_path.is_some());
        assert_eq!(st.case(&id).unwrap().cameras.len(), 2);
        assert_eq!(st.cases(&CaseFilter::default()).unwrap().len(), 1);
    }

    #[test]
    fn media_of_a_missed_case_make_its_record_and_future_cases_none() {
        let st = Store::open_in_memory().unwrap();
        let at = now_ms() - 60_000;
        let got = record_media(&st, None, &ready("12", at, vec![file("clip", "c", at)])).unwrap();
        let id = got.case_id.unwrap();
        assert_eq!(got.missing.len(), 1, "no media root: nothing found");
        assert_eq!(st.case(&id).unwrap().title, "CASE-12");
        assert_eq!(
            record_created(&st, &created("13", now_ms() + 3_600_000)).unwrap(),
            None
        );
        assert_eq!(st.cases(&CaseFilter::default()).unwrap().len(), 1);
    }

    #[test]
    fn in_the_workers_database_their_case_stands_and_replaces_a_record() {
        let st = Store::open_in_memory().unwrap();
        let at = now_ms() - 60_000;
        // heard before the worker created it
        let (mine, _) = record_created(&st, &created("7", at)).unwrap().unwrap();
        // the worker's case (what handle::ensure_case does)
        let (theirs, _) = record_created(&st, &created("7-w", at)).unwrap().unwrap();
        st.set_setting("bus.case.7", &theirs).unwrap();
        forget(&st, "7").unwrap();
        assert!(st.case(&mine).is_err(), "the record was dropped");
        assert_eq!(local_case(&st, "7").unwrap(), Some(theirs.clone()));
        assert_eq!(
            record_created(&st, &created("7", at)).unwrap(),
            Some((theirs.clone(), false))
        );
        let got = record_media(&st, None, &ready("7", at, vec![])).unwrap();
        assert_eq!(got.case_id, Some(theirs));
        assert_eq!(got.added, 0);
    }

    #[test]
    fn only_plain_names_of_the_workers_shape_map_to_the_root() {
        let root = Path::new("/m");
        let f = |kind: &str, name: &str| ReadyFile {
            camera_id: "c".into(),
            kind: kind.into(),
            file_name: name.into(),
            pointer_url: String::new(),
            sha256: String::new(),
        };
        assert_eq!(
            media_path_of(root, &f("clip", "C-000001_demo-1_20231114T221320.123Z.mp4")),
            Some(PathBuf::from(
                "/m/Footage/20231114/C-000001_demo-1_20231114T221320.123Z.mp4"
            ))
        );
        assert_eq!(
            media_path_of(root, &f("snapshot", "C-1_c_20231114T221320.123Z.jpg")),
            Some(PathBuf::from(
                "/m/Snapshot/20231114/C-1_c_20231114T221320.123Z.jpg"
            ))
        );
        for bad in [
            "../C-1_c_20231114T221320.123Z.mp4",
            "a/C-1_c_20231114T221320.123Z.mp4",
            "C-1_c_2023111xT221320.123Z.mp4",
            "C-1_c_20231114.mp4",
            "",
            "..",
        ] {
            assert_eq!(media_path_of(root, &f("clip", bad)), None, "{bad}");
        }
        assert_eq!(
            media_path_of(root, &f("other", "C-1_c_20231114T221320.123Z.mp4")),
            None
        );
    }
}
