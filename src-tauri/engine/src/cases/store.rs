//! Case rows: read, list with search and filters, update, timeline markers.
use rusqlite::{params, params_from_iter, OptionalExtension, Row};

use super::{
    case_label, CameraRole, Case, CaseCamera, CaseError, CaseFilter, CaseMarker, CaseStatus,
    CaseUpdate,
};
use crate::store::{now_ms, q, Store};

const COLS: &str = "id, number, title, event_ms, equipment_id, equipment_kind, equipment_name,
    status, notes, created_at_ms";

fn case_row(r: &Row<'_>) -> rusqlite::Result<Case> {
    let number: i64 = r.get(1)?;
    let status: String = r.get(7)?;
    Ok(Case {
        id: r.get(0)?,
        number,
        label: case_label(number),
        title: r.get(2)?,
        event_ms: r.get(3)?,
        equipment_id: r.get(4)?,
        equipment_kind: r.get(5)?,
        equipment_name: r.get(6)?,
        status: CaseStatus::parse(&status).unwrap_or(CaseStatus::Open),
        notes: r.get(8)?,
        created_at_ms: r.get(9)?,
        cameras: vec![],
    })
}

impl Store {
    pub fn case(&self, id: &str) -> Result<Case, CaseError> {
        let mut c = self
            .conn()
            .query_row(
                &format!("SELECT {COLS} FROM cases WHERE id = ?1"),
                [id],
                case_row,
            )
            .optional()
            .map_err(q("read case"))?
            .ok_or_else(|| CaseError::UnknownCase(id.to_string()))?;
        c.cameras = self.case_cameras(id)?;
        Ok(c)
    }

    fn case_cameras(&self, id: &str) -> Result<Vec<CaseCamera>, CaseError> {
        let conn = self.conn();
        let mut st = conn
            .prepare(
                "SELECT camera_id, camera_name, role FROM case_cameras WHERE case_id = ?1 ORDER BY position",
            )
            .map_err(q("case cameras"))?;
        let rows = st
            .query_map([id], |r| {
                let role: String = r.get(2)?;
                Ok(CaseCamera {
                    camera_id: r.get(0)?,
                    camera_name: r.get(1)?,
                    role: if role == "equipment" {
                        CameraRole::Equipment
                    } else {
                        CameraRole::Nearest
                    },
                })
            })
            .map_err(q("case cameras"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(q("case cameras"))?;
        Ok(rows)
    }

    /// Cases newest event first, filtered.
    pub fn cases(&self, f: &CaseFilter) -> Result<Vec<Case>, CaseError> {
        let mut wh = vec!["1 = 1".to_string()];
        let mut args: Vec<rusqlite::types::Value> = vec![];
        if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let like = format!("%{}%", s.to_lowercase().replace(['%', '_'], ""));
            wh.push(format!(
                "(lower(title) LIKE ?{n} OR lower(notes) LIKE ?{n} OR lower(equipment_name) LIKE ?{n}
                  OR lower(equipment_id) LIKE ?{n} OR printf('c-%06d', number) LIKE ?{n})",
                n = args.len() + 1
            ));
            args.push(like.into());
        }
        if let Some(st) = f.status {
            wh.push(format!("status = ?{}", args.len() + 1));
            args.push(st.as_str().to_string().into());
        }
        if let Some(e) = &f.equipment_id {
            wh.push(format!(
                "(equipment_id = ?{n} OR id IN (SELECT case_id FROM case_cameras WHERE camera_id = ?{n}))",
                n = args.len() + 1
            ));
            args.push(e.clone().into());
        }
        if let Some(t) = f.from_ms {
            wh.push(format!("event_ms >= ?{}", args.len() + 1));
            args.push(t.into());
        }
        if let Some(t) = f.to_ms {
            wh.push(format!("event_ms < ?{}", args.len() + 1));
            args.push(t.into());
        }
        let limit = f.limit.unwrap_or(200).min(1000);
        let sql = format!(
            "SELECT {COLS} FROM cases WHERE {} ORDER BY event_ms DESC, number DESC LIMIT {limit}",
            wh.join(" AND ")
        );
        let mut list = {
            let conn = self.conn();
            let mut st = conn.prepare(&sql).map_err(q("list cases"))?;
            let rows = st
                .query_map(params_from_iter(args), case_row)
                .map_err(q("list cases"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(q("list cases"))?;
            rows
        };
        for c in &mut list {
            c.cameras = self.case_cameras(&c.id)?;
        }
        Ok(list)
    }

    pub fn update_case(&self, id: &str, u: &CaseUpdate) -> Result<Case, CaseError> {
        if let Some(t) = &u.title {
            if t.trim().is_empty() || t.len() > 200 {
                return Err(CaseError::Invalid("a title is 1 to 200 characters".into()));
            }
        }
        if u.notes.as_ref().is_some_and(|n| n.len() > 20_000) {
            return Err(CaseError::Invalid(
                "notes are at most 20000 characters".into(),
            ));
        }
        let n = self
            .conn()
            .execute(
                "UPDATE cases SET title = COALESCE(?2, title), status = COALESCE(?3, status),
                   notes = COALESCE(?4, notes), updated_at_ms = ?5 WHERE id = ?1",
                params![
                    id,
                    u.title.as_deref().map(str::trim),
                    u.status.map(|s| s.as_str()),
                    u.notes,
                    now_ms()
                ],
            )
            .map_err(q("update case"))?;
        if n == 0 {
            return Err(CaseError::UnknownCase(id.to_string()));
        }
        self.case(id)
    }

    /// Case markers for a timeline over `[from_ms, to_ms)`, optionally only
    /// cases that include one of `cameras`.
    pub fn case_markers(
        &self,
        from_ms: i64,
        to_ms: i64,
        cameras: &[String],
    ) -> Result<Vec<CaseMarker>, CaseError> {
        let list = self.cases(&CaseFilter {
            from_ms: Some(from_ms),
            to_ms: Some(to_ms),
            limit: Some(1000),
            ..Default::default()
        })?;
        Ok(list
            .into_iter()
            .filter(|c| {
                cameras.is_empty()
                    || c.cameras.iter().any(|cc| cameras.contains(&cc.camera_id))
                    || cameras.contains(&c.equipment_id)
            })
            .map(|c| CaseMarker {
                case_id: c.id,
                label: c.label,
                title: c.title,
                event_ms: c.event_ms,
                cameras: c.cameras.into_iter().map(|cc| cc.camera_id).collect(),
            })
            .rev()
            .collect())
    }
}
