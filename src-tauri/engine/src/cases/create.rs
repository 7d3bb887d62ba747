//! Creating a case: validate the input, resolve the equipment, select the
//! cameras (equipment camera + nearest, duplicates removed), and insert the
//! case, its cameras and its footage jobs in one transaction.
use rusqlite::params;
use serde::Deserialize;

use super::equipment::dedup;
use super::{CameraRole, Case, CaseError};
use crate::footage::jobs::{insert_for_case, JobCamera};
use crate::store::{now_ms, q, Store};

/// An event may be this far ahead of our clock (a tile's frame time from a
/// camera whose clock runs slightly fast).
pub const FUTURE_TOLERANCE_MS: i64 = 2_000;

/// Camera names and sites, for selection and validation.
pub trait CameraDirectory {
    /// `(name, site)` of a camera, `None` if unknown.
    fn camera_info(&self, camera_id: &str) -> Option<(String, String)>;
}

impl CameraDirectory for crate::vms::registry::Registry {
    fn camera_info(&self, camera_id: &str) -> Option<(String, String)> {
        self.camera(camera_id).ok().map(|c| (c.name, c.site))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCase {
    pub title: String,
    /// UTC ms.
    pub event_ms: i64,
    /// A camera id or an asset id.
    pub equipment_id: String,
    /// Cameras to add beyond the equipment's configured nearest ones.
    #[serde(default)]
    pub extra_cameras: Vec<String>,
    #[serde(default)]
    pub notes: String,
}

/// Creates the case and queues its footage jobs.
pub fn create_case(
    store: &Store,
    dir: &dyn CameraDirectory,
    req: &NewCase,
) -> Result<Case, CaseError> {
    let title = req.title.trim();
    if title.is_empty() || title.len() > 200 {
        return Err(CaseError::Invalid("a title is 1 to 200 characters".into()));
    }
    if req.event_ms > now_ms() + FUTURE_TOLERANCE_MS {
        return Err(CaseError::FutureEvent(super::rfc3339_ms(req.event_ms)));
    }
    if req.event_ms < 946_684_800_000 {
        return Err(CaseError::Invalid("the event time is before 2000".into()));
    }
    let eq = req.equipment_id.trim();
    let (eq_kind, eq_name, eq_camera) = match dir.camera_info(eq) {
        Some((name, _)) => ("camera".to_string(), name, true),
        None => match store.equipment(eq)? {
            Some(e) => (e.kind, e.name, false),
            None => return Err(CaseError::UnknownEquipment(eq.to_string())),
        },
    };
    for c in &req.extra_cameras {
        if dir.camera_info(c.trim()).is_none() {
            return Err(CaseError::UnknownCamera(c.trim().to_string()));
        }
    }
    // The stored list may name cameras removed since: they are skipped.
    let nearest = store.nearest_cameras(eq)?;
    let ids = dedup(
        eq_camera
            .then(|| eq.to_string())
            .into_iter()
            .chain(nearest)
            .chain(req.extra_cameras.iter().map(|c| c.trim().to_string())),
    );
    let cams: Vec<(String, String, String, CameraRole)> = ids
        .into_iter()
        .filter_map(|id| {
            let (name, site) = dir.camera_info(&id)?;
            let role = if eq_camera && id == eq {
                CameraRole::Equipment
            } else {
                CameraRole::Nearest
            };
            Some((id, name, site, role))
        })
        .collect();
    let mut windows = Vec::new();
    for (_, _, site, _) in &cams {
        windows.push(store.footage_site(site)?.window(req.event_ms));
    }
    let id = format!("case-{:016x}", rand::random::<u64>());
    let now = now_ms();
    {
        let mut conn = store.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(q("begin"))?;
        let number: i64 = tx
            .query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM cases", [], |r| {
                r.get(0)
            })
            .map_err(q("next case number"))?;
        tx.execute(
            "INSERT INTO cases (id, number, title, event_ms, equipment_id, equipment_kind,
               equipment_name, status, notes, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9, ?9)",
            params![
                id,
                number,
                title,
                req.event_ms,
                eq,
                eq_kind,
                eq_name,
                req.notes.trim(),
                now
            ],
        )
        .map_err(q("insert case"))?;
        for (i, (cid, name, _, role)) in cams.iter().enumerate() {
            tx.execute(
                "INSERT INTO case_cameras (case_id, camera_id, camera_name, role, position)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    id,
                    cid,
                    name,
                    if *role == CameraRole::Equipment {
                        "equipment"
                    } else {
                        "nearest"
                    },
                    i as i64
                ],
            )
            .map_err(q("insert case camera"))?;
        }
        let jobs: Vec<JobCamera<'_>> = cams
            .iter()
            .zip(&windows)
            .map(|((cid, _, site, _), w)| JobCamera {
                camera_id: cid,
                site_id: site,
                window: *w,
            })
            .collect();
        insert_for_case(&tx, &id, &jobs)?;
        tx.commit().map_err(q("commit"))?;
    }
    store.case(&id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{CaseFilter, NewEquipment};

    struct Dir;
    impl CameraDirectory for Dir {
        fn camera_info(&self, id: &str) -> Option<(String, String)> {
            ["cam-a", "cam-b", "cam-c"]
                .contains(&id)
                .then(|| (format!("Camera {id}"), "site-1".to_string()))
        }
    }

    fn req(eq: &str, at: i64) -> NewCase {
        NewCase {
            title: "Door forced".into(),
            event_ms: at,
            equipment_id: eq.into(),
            extra_cameras: vec![],
            notes: String::new(),
        }
    }

    #[test]
    fn selects_equipment_and_nearest_without_duplicates() {
        let s = Store::open_in_memory().unwrap();
        s.set_nearest_cameras("cam-a", &["cam-b".into(), "cam-a".into(), "gone".into()])
            .unwrap();
        let mut r = req("cam-a", now_ms() - 60_000);
        r.extra_cameras = vec!["cam-b".into(), "cam-c".into()];
        let c = create_case(&s, &Dir, &r).unwrap();
        let ids: Vec<_> = c.cameras.iter().map(|c| c.camera_id.as_str()).collect();
        assert_eq!(ids, ["cam-a", "cam-b", "cam-c"]);
        assert_eq!(c.cameras[0].role, CameraRole::Equipment);
        assert_eq!(c.number, 1);
        assert_eq!(s.footage_jobs_of_case(&c.id).unwrap().len(), 6);
        let c2 = create_case(&s, &Dir, &req("cam-b", now_ms() - 1_000)).unwrap();
        assert_eq!(c2.label, "C-000002");
        let found = s
            .cases(&CaseFilter {
                search: Some("c-000002".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1);
        let m = s.case_markers(0, now_ms(), &["cam-c".into()]).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].case_id, c.id);
    }

    #[test]
    fn an_asset_uses_its_nearest_cameras() {
        let s = Store::open_in_memory().unwrap();
        s.upsert_equipment(&NewEquipment {
            id: "door-1".into(),
            name: "Door 1".into(),
            kind: "door".into(),
            tag: "D1".into(),
        })
        .unwrap();
        s.set_nearest_cameras("door-1", &["cam-c".into(), "cam-a".into()])
            .unwrap();
        let c = create_case(&s, &Dir, &req("door-1", now_ms() - 5_000)).unwrap();
        assert_eq!(c.equipment_kind, "door");
        let ids: Vec<_> = c.cameras.iter().map(|c| c.camera_id.as_str()).collect();
        assert_eq!(ids, ["cam-c", "cam-a"]);
    }

    #[test]
    fn bad_input_is_refused_and_nothing_is_stored() {
        let s = Store::open_in_memory().unwrap();
        let e = create_case(&s, &Dir, &req("nope", now_ms())).unwrap_err();
        assert!(matches!(e, CaseError::UnknownEquipment(_)), "{e}");
        let e = create_case(&s, &Dir, &req("cam-a", now_ms() + 60_000)).unwrap_err();
        assert!(e.to_string().contains("in the future"), "{e}");
        let mut r = req("cam-a", now_ms());
        r.extra_cameras = vec!["ghost".into()];
        assert!(matches!(
            create_case(&s, &Dir, &r).unwrap_err(),
            CaseError::UnknownCamera(_)
        ));
        assert!(s.cases(&CaseFilter::default()).unwrap().is_empty());
    }
}
